import ArgumentParser
import SoraCore

/// `sora cancel ID`: the API's cancel — at once for a job in our queue, or asked of the gateway
/// while its task is still queued there.
struct Cancel: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel a job: at once while it waits in our queue, or by asking the gateway while it is queued there.",
        discussion: "Exit codes: 0 cancelled (or cancel requested), 26 no such job, 27 not cancellable now (running or finished); see `sora generate --help`.")

    @Argument(help: "The job id.") var jobID: String
    @Flag(help: "JSON output even on a terminal.") var json = false
    @OptionGroup var target: TargetOptions

    func run() throws {
        let machine = json || !Terminal.isTTY
        let api = try target.caller()
        switch api.call(APICall("POST", "/api/jobs/\(jobID)/cancel")) {
        case .failure(let e): throw unreachable(e)
        case .success(let a):
            guard a.ok else {
                if !machine, a.errorCode == "not_cancellable", let reason = a.json?.firstString("error.params.reason") {
                    Terminal.err("cancel: not possible now (\(reason))")
                    throw ExitCode(ExitStatus.conflict)
                }
                throw refusal(a, json: machine, doing: "cancel \(jobID)")
            }
            if machine { Terminal.raw(a.body); return }
            let d = a.decode(StatusDocument.self)
            Terminal.line(d?.status == .cancelled ? "Cancelled: \(jobID)"
                          : "Cancel requested: the gateway confirms it on the next poll (sora show \(jobID) --wait)")
        }
    }
}
