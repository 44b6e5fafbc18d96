import CSpawn
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// Starts `sora worker <id>` fully detached from the responder (`sora_fork_exec`, which does not
/// wait for the child to be scheduled):
/// - a new session, so stopping the responder's process group or nginx
///   leaves it running;
/// - stdin from /dev/null — or, when secrets came from the responder's environment, a pipe that
///   carries them (`NAME=value` lines), so no secret is ever in a worker's environment, where
///   `ps e` or /proc/<pid>/environ would show it; stdout/stderr appended to the job's log — never
///   the responder's stdio, which under fcgiwrap is the CGI response pipe and would hold the
///   request open;
/// - every descriptor above 2 closed (libfcgi's listen socket is fd 0 and the request socket is
///   not close-on-exec; both are replaced or closed here);
/// - an explicit minimal environment: configuration variables only, never the request's
///   `HTTP_*` variables (httpoxy);
/// - nice `Worker.niceness` from its first instruction;
/// - default signal dispositions; zombies are avoided because the responder ignores SIGCHLD
///   (the kernel then reaps its children), and in CGI mode the responder exits at once.
enum Spawner {
    static func launch(binary: String, arguments: [String], logPath: String, environment: [String: String],
                       secrets: [String: String] = [:], startingLock: Int32 = -1) -> Bool {
        // The child's exec failing can't be reported back without waiting for it: check first.
        guard access(binary, X_OK) == 0 else { return false }
        var env = environment
        if startingLock >= 0 { env[Self.startingFDName] = "3" }
        var pipeFDs: [Int32] = [-1, -1]
        if !secrets.isEmpty, sora_pipe_cloexec(&pipeFDs) == 0 { env["SORA_SECRETS_FD"] = "0" }
        defer { for fd in pipeFDs where fd >= 0 { close(fd) } }
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        let pid = sora_fork_exec(binary, argv, envp, pipeFDs[0], logPath, Worker.niceness, startingLock)
        if pid > 0, pipeFDs[1] >= 0 {
            // A few hundred bytes: they fit the pipe's buffer, so this never blocks.
            let text = Array(secrets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined().utf8)
            try? FileIO.writeAll(pipeFDs[1], text, path: "worker secrets pipe")
        }
        return pid > 0
    }

    /// A launcher for `sora worker <id>` with the job's log as stdio, used by the responder and
    /// by `sora reap`.
    static func workerLauncher(config: Config, spool: Spool) -> @Sendable (String) -> Bool {
        let start = workerStarter(config: config, spool: spool)
        return { id in start(id, -1) }
    }

    /// Starts `sora worker <id>`, handing it the starting lock's descriptor (or -1).
    private static func workerStarter(config: Config, spool: Spool) -> @Sendable (String, Int32) -> Bool {
        let env = workerEnvironment(from: ProcessInfo.processInfo.environment)
        let binary = config.workerBinary
        let secrets = config.environmentSecrets
        return { id, startingLock in
            launch(binary: binary, arguments: ["worker", id], logPath: spool.workerLogPath(id), environment: env,
                   secrets: secrets, startingLock: startingLock)
        }
    }

    /// How a worker learns that its descriptor 3 holds the starting lock.
    static let startingFDName = "SORA_STARTING_FD"

    /// Starts a worker for a queued job unless another worker is starting: the launcher takes
    /// `private/starting.lock` and hands it to the child, which lets it go once it holds a slot
    /// and its job, and then starts the next worker if jobs still wait (`Worker.onStarted`).
    /// In a burst, workers start one after another at nice 10 instead of fifty at once.
    /// A lock held for over `stuckAfter` seconds (a worker stuck in its start) is passed over.
    static func pacedWorkerLauncher(config: Config, spool: Spool, stuckAfter: Double = 10) -> @Sendable (String) -> Bool {
        let start = workerStarter(config: config, spool: spool)
        let startHolding = chainedWorkerLauncher(config: config, spool: spool)
        let path = spool.privateDir + "/starting.lock"
        return { id in
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return start(id, -1) }
            defer { close(fd) }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return startHolding(id, fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, Double(time(nil) - st.st_mtim.tv_sec) > stuckAfter else { return false }
            return start(id, -1)
        }
    }

    /// Starts a worker with the starting lock held on `held`, which passes straight to the child:
    /// a submit that has just taken it, or a worker handing its descriptor 3 on (so that no
    /// submit starts a worker in between).
    static func chainedWorkerLauncher(config: Config, spool: Spool) -> @Sendable (String, Int32) -> Bool {
        let start = workerStarter(config: config, spool: spool)
        return { id, held in
            _ = futimens(held, nil)  // when this start began, for the stuck check
            return start(id, held)
        }
    }

    /// How long the submits must have been quiet before a worker starts the next one, and the
    /// longest it waits for that (`Spool.waitForQuietSubmits`): under a steady stream of submits,
    /// one worker still starts per `startWaitAtMost` seconds.
    static let startQuiet = 0.25
    static let startWaitAtMost = 1.0

    /// The environment a worker gets: configuration only (SORA_*, OSS_*, S3_*, STORAGE*) plus a
    /// few process basics. Request variables (HTTP_*, CONTENT_*, QUERY_STRING…) never pass.
    static func workerEnvironment(from env: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in env {
            if k.hasPrefix("HTTP_") || Config.isSecret(k) || k == "SORA_SECRETS_FD" || k == startingFDName { continue }
            if k.hasPrefix("SORA_") || k.hasPrefix("OSS_") || k.hasPrefix("S3_") || k.hasPrefix("STORAGE")
                || Config.workerEnvironmentNames.contains(k) {
                out[k] = v
            }
        }
        if out["PATH"] == nil { out["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        // Debian's libcurl uses OpenSSL but loads GnuTLS through librtmp, whose constructor would
        // initialise it in every worker for nothing (about 0.7 MiB of RSS). rtmp:// is never fetched.
        out["GNUTLS_NO_IMPLICIT_INIT"] = "1"
        return out
    }
}
