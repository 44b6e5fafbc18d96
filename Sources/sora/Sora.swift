import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
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
        // Every job starts `sora worker ID`: skip the argument parser there, whose reflection over
        // all subcommands costs a fresh process more CPU than the rest of its start-up.
        let args = CommandLine.arguments
        if args.count == 3, args[1] == "worker", JobID.isValid(args[2]) {
            WorkerCommand.work(args[2])
            exit(0)
        }
        Sora.main()
    }
}

struct Sora: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sora",
        abstract: "AI video generation for nginx: FastCGI/CGI responder, detached workers, spool tools.",
        discussion: "Configuration comes from the environment and the env-style file named by SORA_CONFIG (see README).",
        subcommands: [FCGI.self, WorkerCommand.self, Reap.self,
                      // The command line (issue 11): jobs and the operator's kit.
                      Generate.self, Batch.self, Jobs.self, Show.self, Cancel.self, RetryTransfer.self, Download.self, Doctor.self,
                      CheckConfig.self, Passwd.self, Reindex.self, LogBurst.self])
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
    return applyingConfig(env)
}

/// The settings, with their process-wide part applied (the TLS trust of every transfer): each
/// command that reads the config goes through here.
func applyingConfig(_ env: [String: String]) -> Config {
    let config = Config.load(environment: env)
    HTTPClient.trust(caFile: config.caFile)
    return config
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
        guard JobID.isValid(jobID) else { throw ValidationError("not a job id: \(jobID)") }
        Self.work(jobID)
    }

    static func work(_ jobID: String) {
        signal(SIGPIPE, SIG_IGN)
        LibraryIndex.leavesNotes.store(true, ordering: .relaxed)  // no SQLite in workers
        HTTPClient.globalInit()
        let config = loadConfig()
        let worker = Worker(config: config, spool: config.spool, store: config.makeStore())
        var chain: BackgroundThread?
        if ProcessInfo.processInfo.environment[Spawner.startingFDName] == "3" {
            // Descriptor 3 holds the starting lock. Once this worker holds a slot and its job, it
            // starts the next worker if jobs still wait, after the submits go quiet, handing the
            // lock on; its own job runs meanwhile.
            let startNext = Spawner.chainedWorkerLauncher(config: config, spool: config.spool)
            let spool = config.spool
            let waiting = { spool.hasFreeSlot(max: config.maxWorkers) ? spool.nextQueuedJob() : nil }
            worker.onStarted = {
                guard waiting() != nil else { close(3); return }
                let handOn = {
                    defer { close(3) }
                    spool.waitForQuietSubmits(quiet: Spawner.startQuiet, atMost: Spawner.startWaitAtMost)
                    if let next = waiting() { _ = startNext(next, 3) }
                }
                chain = BackgroundThread(handOn)
                if chain == nil { handOn() }
            }
        }
        worker.runLoop(first: jobID)
        chain?.join()
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
        let report = Reaper(config: config, spool: spool, launchWorker: Spawner.workerLauncher(config: config, spool: spool)).run()
        // When the last pass ran, however it was started (timer, cron, loop, responder): `sora doctor` reads it.
        try? FileIO.writeAtomically(Array(SpoolJSON.isoString(Date()).utf8), to: spool.root + "/.reaper-pass", durable: false)
        return report
    }

    static func json(_ r: Reaper.Report) throws -> String {
        String(decoding: try SpoolJSON.encoder().encode(r), as: UTF8.self)
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Report configuration problems (exit 1 if any).")

    @Flag(help: "Print nothing; exit 0 when SORA_API_KEY is set (environment or config file), 1 when not (stack.sh uses it to choose the simulator).")
    var hasKey = false

    @Flag(help: "Print nothing; exit 0 when sign-in is on and no admin password (or hash) is set (stack.sh then makes one).")
    var needsPassword = false

    func run() throws {
        let config = loadConfig()
        if hasKey { throw ExitCode(config.apiKey.isEmpty ? 1 : 0) }
        if needsPassword { throw ExitCode(config.auth.enabled && config.auth.passwordHash == nil && config.auth.password == nil ? 0 : 1) }
        print("upstream: \(config.baseURL)\(config.simulated ? " (SIMULATED)" : "") key: \(config.apiKey.isEmpty ? "missing" : "set")")
        print("spool: \(config.spoolDir)  media: \(config.mediaDir)  store: \(config.makeStore().name)  workers: \(config.maxWorkers)")
        for p in config.problems { print("problem: \(p.setting): \(p.message)") }
        if !config.problems.isEmpty { throw ExitCode(1) }
    }
}
