import ArgumentParser
import Foundation
import Glibc
import SoraCore

/// Entry point. A CGI gateway (fcgiwrap, Apache) runs the binary without arguments: then it is
/// the responder for that one request.
@main
enum Entry {
    static func main() {
        let env = ProcessInfo.processInfo.environment
        if CommandLine.arguments.count == 1, env["GATEWAY_INTERFACE"] != nil {
            exit(Responder(config: loadConfig()).serve())
        }
        Sora.main()
    }
}

struct Sora: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sora",
        abstract: "Sora 2 video generation for nginx: FastCGI/CGI responder, detached workers, spool tools.",
        discussion: "Configuration comes from the environment and the env-style file named by SORA_CONFIG (see README).",
        subcommands: [FCGI.self, WorkerCommand.self, Reap.self, Status.self, List.self, CheckConfig.self])
}

/// Shared by the subcommands: configuration from the environment (+ SORA_CONFIG file).
func loadConfig() -> Config { Config.load(environment: ProcessInfo.processInfo.environment) }

struct FCGI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fcgi",
        abstract: "Answer API requests as a FastCGI responder (spawn-fcgi, systemd) or, when started as CGI, answer one request and exit.")

    func run() throws {
        let code = Responder(config: loadConfig()).serve()
        if code != 0 { throw ExitCode(code) }
    }
}

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run one job (then any queued ones) to the end. Normally spawned by the responder.")

    @Argument(help: "The job id.") var jobID: String

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        HTTPClient.globalInit()
        let config = loadConfig()
        let spool = config.spool
        guard JobID.isValid(jobID) else { throw ValidationError("not a job id: \(jobID)") }
        Worker(config: config, spool: spool, store: config.makeStore()).runLoop(first: jobID)
    }
}

struct Reap: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fail jobs whose worker died (or resume their transfer), restart queued jobs, clean temp files.")

    func run() throws {
        let config = loadConfig()
        let spool = config.spool
        try spool.prepare()
        signal(SIGCHLD, SIG_IGN)  // launched workers are detached; the kernel reaps them
        let report = Reaper(config: config, spool: spool, launchWorker: Spawner.workerLauncher(config: config, spool: spool)).run()
        print(String(decoding: try SpoolJSON.encoder().encode(report), as: UTF8.self))
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a job's status document.")
    @Argument(help: "The job id.") var jobID: String

    func run() throws {
        let spool = loadConfig().spool
        guard JobID.isValid(jobID) else { throw ValidationError("not a job id: \(jobID)") }
        guard let doc = spool.readStatus(jobID) else { throw ValidationError("no such job: \(jobID)") }
        let e = SpoolJSON.encoder()
        e.outputFormatting.insert(.prettyPrinted)
        print(String(decoding: try e.encode(doc), as: UTF8.self))
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List jobs, newest first.")
    @Option(help: "How many jobs.") var limit = 20

    func run() throws {
        let spool = loadConfig().spool
        for id in spool.allJobIDs().prefix(limit) {
            guard let d = spool.readStatus(id) else { continue }
            let line = [id, d.status.rawValue, String(format: "%5.1f%%", d.progress), d.model,
                        d.error?.kind.rawValue ?? "", d.videoURL ?? "", String(d.origPrompt.prefix(40))]
            print(line.joined(separator: "\t"))
        }
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Report configuration problems (exit 1 if any).")

    func run() throws {
        let config = loadConfig()
        print("upstream: \(config.baseURL)\(config.simulated ? " (SIMULATED)" : "") key: \(config.apiKey.isEmpty ? "missing" : "set")")
        print("spool: \(config.spoolDir)  media: \(config.mediaDir)  store: \(config.makeStore().name)  workers: \(config.maxWorkers)")
        for p in config.problems { print("problem: \(p.setting): \(p.message)") }
        if !config.problems.isEmpty { throw ExitCode(1) }
    }
}
