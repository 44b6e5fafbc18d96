import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// Where a job command works: the local spool (default) or a deployment (`--url`).
struct TargetOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A deployment to use over HTTP(S), e.g. https://example.com/sora; sends SORA_ADMIN_TOKEN as a Bearer token. Default: the local spool of the config file.",
        valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp(
        "With --url: a PEM bundle of the CAs to trust for that deployment (one behind a private CA). Default: the system's.",
        valueName: "pem"))
    var caFile: String?

    /// The API to call. Locally, sign-in is satisfied by reading the config file (see `LocalAPI`);
    /// commands that change jobs (`changesJobs`) run as the spool's owner.
    func caller(changesJobs: Bool = true) throws -> APICaller {
        if caFile != nil, url == nil { throw ValidationError("--ca-file goes with --url (locally, the gateway's CA is SORA_CA_FILE)") }
        if let url {
            HTTPClient.globalInit()
            if let caFile {
                // A deployment's certificate is its own trust, apart from the gateway's SORA_CA_FILE.
                guard access(caFile, R_OK) == 0 else { throw ValidationError("--ca-file: cannot read \(caFile)") }
                HTTPClient.trust(caFile: caFile)
            }
            let env = ProcessInfo.processInfo.environment
            var token = env["SORA_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : Secret($0) }
            if token == nil, env["SORA_CONFIG"] != nil { token = Config.load(environment: env).auth.token }
            guard let api = RemoteAPI(url: url, token: token) else {
                throw ValidationError("--url must be an http(s) URL such as https://example.com/sora")
            }
            return api
        }
        return try Self.local(changesJobs: changesJobs)
    }

    /// The default config file of the Debian package, used when SORA_CONFIG is not set.
    static let packagedConfig = "/etc/sora-fcgi/sora.env"

    /// The config file in use: SORA_CONFIG, else the packaged one when it exists.
    static var configPath: String? {
        if let p = ProcessInfo.processInfo.environment["SORA_CONFIG"], !p.isEmpty { return p }
        return FileIO.exists(packagedConfig) ? packagedConfig : nil
    }

    /// The configuration as the responder reads it; SORA_CONFIG defaults to the packaged file
    /// (and is exported, so the workers this process starts read the same file).
    static func config() -> Config {
        var env = ProcessInfo.processInfo.environment
        if let path = configPath, env["SORA_CONFIG"] != path {
            env["SORA_CONFIG"] = path
            setenv("SORA_CONFIG", path, 1)
        }
        return applyingConfig(env)
    }

    static func local(changesJobs: Bool) throws -> LocalAPI {
        let config = config()
        if config.problems.contains(where: { $0.setting == "SORA_CONFIG" }) {
            Terminal.err("sora: cannot read the config file \(configPath ?? ""): local use needs it (run as root or as the service user, or use --url)")
            throw ExitCode(ExitStatus.unauthorized)
        }
        if changesJobs {
            adoptSpoolOwner(config.spoolDir)
            // Like the responder at start: the spool's folders, if the spool itself is there (it is
            // never made here, where it could end up owned by the wrong user; `sora doctor` says how).
            if FileIO.exists(config.spoolDir) { try? config.spool.prepare() }
        }
        // Workers this process starts are detached; the kernel reaps them if we are still here.
        signal(SIGCHLD, SIG_IGN)
        return LocalAPI(config: config, launchWorker: Spawner.workerLauncher(config: config, spool: config.spool))
    }

    /// Run as root, the command becomes the spool's owner (the service user, e.g. `sora-fcgi`)
    /// before it touches the spool: job files and the workers it starts then belong to the
    /// same user as the responders', never to root.
    static func adoptSpoolOwner(_ spoolDir: String) {
        guard geteuid() == 0 else { return }
        var s = stat()
        guard stat(spoolDir, &s) == 0, s.st_uid != 0, let pw = getpwuid(s.st_uid) else { return }
        let name = String(cString: pw.pointee.pw_name), gid = pw.pointee.pw_gid
        guard initgroups(name, gid) == 0, setgid(gid) == 0, setuid(s.st_uid) == 0 else {
            Terminal.err("sora: could not switch to the spool's owner \(name); job files may end up owned by root")
            return
        }
    }
}

/// The catalog as the API gives it (`GET /api/models`, typical seconds measured).
enum Catalog {
    static func models(_ api: APICaller) -> [VideoModel] {
        struct List: Decodable { var models: [VideoModel] }
        guard case .success(let a) = api.call(APICall("GET", "/api/models")), a.ok else { return [] }
        return a.decode(List.self)?.models ?? []
    }
}

/// Prints an API refusal (JSON as is, or a line for people) and returns its exit code.
func refusal(_ a: APIAnswer, json: Bool, doing: String) -> ExitCode {
    let status = ExitStatus.of(refusal: a.status, code: a.errorCode)
    if json {
        Terminal.raw(a.body)
    } else {
        var text = "\(doing): refused (HTTP \(a.status) \(a.errorCode ?? "error")): \(a.errorMessage ?? String(decoding: a.body.prefix(200), as: UTF8.self))"
        if status == .unauthorized { text += "\n  set SORA_ADMIN_TOKEN to the deployment's admin token" }
        Terminal.err(text)
    }
    return ExitCode(status)
}

func unreachable(_ e: APIUnreachable) -> ExitCode {
    Terminal.err("sora: \(e.description)")
    return ExitCode(ExitStatus.unreachable)
}
