import ArgumentParser
import SoraCore

/// `sora retry-transfer ID`: the API's retry — re-runs only what is left of a failed job (the
/// transfer while the upstream link works, or following a task that still exists). Never a new
/// generation, never a new charge.
struct RetryTransfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry-transfer",
        abstract: "Retry what is left of a failed job (its transfer, or following its task); never a new generation.",
        discussion: "Exit codes: 0 retrying (with --wait: as `sora generate`), 26 no such job, 27 not retryable; see `sora generate --help`.")

    @Argument(help: "The job id.") var jobID: String
    @Flag(help: "Follow the job until it ends.") var wait = false
    @Flag(help: "JSON output even on a terminal.") var json = false
    @OptionGroup var target: TargetOptions

    func run() throws {
        let machine = json || !Terminal.isTTY
        let api = try target.caller()
        Interrupts.block()
        switch api.call(APICall("POST", "/api/jobs/\(jobID)/retry")) {
        case .failure(let e): throw unreachable(e)
        case .success(let a):
            guard a.ok else {
                if !machine, a.errorCode == "not_retryable", let reason = a.json?.firstString("error.params.reason") {
                    Terminal.err("retry-transfer: not retryable (\(reason)): only a failed transfer with a working link, or a task that still exists upstream")
                    throw ExitCode(ExitStatus.conflict)
                }
                throw refusal(a, json: machine, doing: "retry-transfer \(jobID)")
            }
            guard let d = a.decode(StatusDocument.self) else { throw ExitCode(ExitStatus.unavailable) }
            if machine && !wait { Terminal.raw(a.body) }
            if !machine { Terminal.line("Retrying \(jobID): \(d.status == .transferring ? "the transfer" : "following its task") — no new generation") }
            guard wait else { return }
            let code = Follower(api: api, json: machine, remote: target.url != nil).follow(id: jobID, statusURL: d.statusURL, typicalSeconds: nil)
            if code != .ok { throw ExitCode(code) }
        }
    }
}
