import ArgumentParser
import SoraCore

/// `sora show ID` (alias `status`): one job's status document; `--wait` follows it.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a job (its status document); --wait follows it to the end.",
        discussion: "Exit codes as for `sora generate` (see its --help): with --wait they tell how the job ended.",
        aliases: ["status"])

    @Argument(help: "The job id.") var jobID: String
    @Flag(help: "Follow the job until it ends (Ctrl+C stops following, never cancels).") var wait = false
    @Flag(help: "JSON output even on a terminal.") var json = false
    @OptionGroup var target: TargetOptions

    func run() throws {
        let machine = json || !Terminal.isTTY
        let api = try target.caller(changesJobs: false)
        Interrupts.block()
        let doc = try fetchStatus(api, id: jobID, json: machine)
        if !wait {
            if machine { Terminal.pretty(doc) } else { Terminal.line(JobView.details(doc)) }
            return
        }
        let typical = Catalog.models(api).first { $0.id == doc.model }?.typicalSeconds
        let code = Follower(api: api, json: machine, remote: target.url != nil)
            .follow(id: jobID, statusURL: doc.statusURL, typicalSeconds: typical)
        if code != .ok { throw ExitCode(code) }
    }
}
