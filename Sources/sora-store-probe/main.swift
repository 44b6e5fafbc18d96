// sora-store-probe: drives the storage backends from the environment, for integration tests
// and benchmarks, without the worker.
//
//   sora-store-probe put <file> <key>   stores a file; prints {"key","size","url"}
//   sora-store-probe url <key>          prints {"url"} (a fresh signed link for private buckets)
//   sora-store-probe delete <key>       prints {"deleted": key}
//   sora-store-probe check              prints {"backend","summary"} or the config problems
//
// Exit status: 0 success, 1 storage failure (JSON {"error":{…}} on stdout), 2 usage/config.
import Foundation
import SoraCore

signal(SIGPIPE, SIG_IGN)

func emit(_ object: [String: Any]) {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

func fail(_ code: Int32, _ error: [String: Any]) -> Never {
    emit(["error": error])
    exit(code)
}

let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else {
    fail(2, ["kind": "usage", "message": "usage: sora-store-probe put <file> <key> | url <key> | delete <key> | check"])
}

let config: StorageConfig
switch StorageConfig.parse(ProcessInfo.processInfo.environment) {
case .success(let c): config = c
case .failure(let e): fail(2, ["kind": "config", "problems": e.problems, "message": e.description])
}

/// The probe has no local folder store (the worker owns it), so `local` is refused.
struct NoLocalStore: VideoStore {
    var name: String { "local" }
    func store(file: String, key: String, contentType: String) throws -> StoredObject {
        throw StorageConfigError(problems: ["sora-store-probe handles STORAGE=oss or s3 only"])
    }
    func delete(key: String) throws {}
    func publicURL(key: String) -> String { "" }
}

HTTPClient.globalInit()
HTTPClient.trust(caFile: Settings(values: ProcessInfo.processInfo.environment).value("SORA_CA_FILE"))
let store = config.makeStore(localFallback: NoLocalStore())

do {
    switch (command, args.count) {
    case ("check", 1):
        emit(["backend": config.backend.rawValue, "summary": config.summary, "prefix": config.prefix])
    case ("put", 3):
        let stored = try store.store(file: args[1], key: args[2], contentType: "video/mp4")
        emit(["key": stored.key, "size": stored.size, "url": stored.url])
    case ("url", 2):
        emit(["url": store.publicURL(key: args[1])])
    case ("delete", 2):
        try store.delete(key: args[1])
        emit(["deleted": args[1]])
    default:
        fail(2, ["kind": "usage", "message": "usage: sora-store-probe put <file> <key> | url <key> | delete <key> | check"])
    }
} catch let error as StorageError {
    var info: [String: Any] = ["kind": error.kind.rawValue, "backend": error.backend, "operation": error.operation,
                               "message": error.message, "description": error.description, "attempts": error.attempts,
                               "transient": error.isTransient]
    if let s = error.status { info["status"] = s }
    if let c = error.code { info["code"] = c }
    fail(1, info)
} catch {
    fail(2, ["kind": "config", "message": String(describing: error)])
}
