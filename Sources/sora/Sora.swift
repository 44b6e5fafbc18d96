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
        subcommands: [FCGI.self, WorkerCommand.self, Reap.self, Status.self, List.self, CheckConfig.self, Passwd.self, LogBurst.self, Reindex.self])
}

/// Shared by the subcommands: configuration from the environment (+ SORA_CONFIG file). A process
/// spawned with `SORA_SECRETS_FD=0` reads the secrets its parent had in its environment from
/// stdin (see `Spawner`), so they never sit in its own environment.
func loadConfig() -> Config {
    var env = ProcessInfo.processInfo.environment
    if env.removeValue(forKey: "SORA_SECRETS_FD") == "0" {
        let bytes = FileIO.readFD(0, limit: 64 << 10)
        for (k, v) in Config.parseEnvFile(String(decoding: bytes, as: UTF8.self)) where Config.isSecret(k) || env[k] == nil { env[k] = v }
    }
    return Config.load(environment: env)
}

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
        abstract: "Fail jobs whose worker died (or resume their transfer), restart queued jobs, clean temp files.",
        discussion: "One pass by default (cron, a systemd timer). With --every it repeats until SIGTERM or SIGINT.")

    @Option(help: ArgumentHelp("Repeat a pass every SECONDS until SIGTERM/SIGINT.", valueName: "seconds"))
    var every: Int?

    func validate() throws {
        if let every, every < 1 { throw ValidationError("--every must be at least 1 second") }
    }

    func run() throws {
        signal(SIGCHLD, SIG_IGN)  // launched workers are detached; the kernel reaps them
        guard let every else {
            print(try Self.json(pass()))
            return
        }
        // SIGTERM/SIGINT stay blocked and are taken only between passes (sigtimedwait), so a
        // stop never cuts a pass half-way and never waits longer than the pass in progress.
        // Spawned workers start with an empty mask (Spawner), so they still die on SIGTERM.
        var stop = sigset_t()
        sigemptyset(&stop)
        sigaddset(&stop, SIGTERM)
        sigaddset(&stop, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stop, nil)
        while true {
            do {
                let r = try pass()
                if !(r.interrupted.isEmpty && r.resumed.isEmpty && r.restarted.isEmpty && r.cleaned == 0) {
                    print(try Self.json(r))
                }
            } catch {
                print("reap: \(error)")
            }
            fflush(nil)  // stdout is a log file (fully buffered); show each pass at once
            var timeout = timespec(tv_sec: every, tv_nsec: 0)
            let signo = sigtimedwait(&stop, nil, &timeout)
            if signo == SIGTERM || signo == SIGINT { return }
        }
    }

    /// One reaper pass. The configuration is read afresh each time, so a long-running loop
    /// follows edits of the config file.
    func pass() throws -> Reaper.Report {
        let config = loadConfig()
        let spool = config.spool
        try spool.prepare()
        return Reaper(config: config, spool: spool, launchWorker: Spawner.workerLauncher(config: config, spool: spool)).run()
    }

    static func json(_ r: Reaper.Report) throws -> String {
        String(decoding: try SpoolJSON.encoder().encode(r), as: UTF8.self)
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
