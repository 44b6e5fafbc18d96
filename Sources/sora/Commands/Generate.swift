import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SoraCore

/// `sora generate`: one job through the API's own rules — in-process on the local spool, or
/// over HTTP with `--url` — optionally followed to the end.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a video job (same validation, budget, queue limit and idempotency as the API); --wait follows it.",
        discussion: """
            Locally (the default) the request goes to the same router the FastCGI responder runs, on the \
            spool of the config file (SORA_CONFIG, or /etc/sora-fcgi/sora.env), and starts the same detached \
            worker. With --url it goes to a deployment, with SORA_ADMIN_TOKEN as the Bearer token.

            --image and --last-frame take a file (sent as a data URI) or an https URL. --param key=value \
            sets a model parameter (see GET /api/models), e.g. --param duration=8 --param resolution=1080p.

            --wait follows the job: on a terminal a live progress line (stage, percent, elapsed, estimate \
            from the model's typical time); otherwise the status document as a JSON line on every change. \
            Ctrl+C stops following and leaves the job running: it never cancels (use `sora cancel`).

            Exit codes:
            \(ExitStatus.table)
            """)

    @Option(help: "The model id, as GET /api/models lists them (e.g. seedance-2-0).") var model: String
    @Option(help: "What the video should show.") var prompt: String
    @Option(help: ArgumentHelp("First frame: an image file or an https URL.", valueName: "file|url")) var image: String?
    @Option(name: .customLong("last-frame"), help: ArgumentHelp("Last frame (needs --image): a file or an https URL.", valueName: "file|url"))
    var lastFrame: String?
    @Option(name: .customLong("param"), help: ArgumentHelp("A model parameter; repeat for several.", valueName: "key=value"))
    var params: [String] = []
    @Flag(help: "Follow the job to its end; the exit code then tells how it ended.") var wait = false
    @Flag(help: "JSON output even on a terminal (the API's answer; with --wait, JSON lines).") var json = false
    @Option(name: .customLong("idempotency-key"), help: "Repeat-safe key: the same key and request answer the first job, never a second one.")
    var idempotencyKey: String?
    @OptionGroup var target: TargetOptions

    func run() throws {
        let machine = json || !Terminal.isTTY
        let api = try target.caller()
        let models = Catalog.models(api)
        let entry = models.first { $0.id == model }
        let body: [UInt8]
        do {
            body = try GenerateBody.make(model: model, prompt: prompt, image: image, lastFrame: lastFrame,
                                         params: try GenerateBody.params(params, model: entry))
        } catch let e as GenerateBody.Problem {
            throw ValidationError(e.description)
        }
        // Taken from here on only between ticks: a Ctrl+C after the POST leaves a job we report.
        Interrupts.block()
        let answer: APIAnswer
        switch api.call(APICall("POST", "/api/generate", body: body, idempotencyKey: idempotencyKey)) {
        case .failure(let e): throw unreachable(e)
        case .success(let a): answer = a
        }
        guard answer.ok else { throw refusal(answer, json: machine, doing: "generate") }
        guard let id = answer.json?.firstString("task_id"), let statusURL = answer.json?.firstString("status_url") else {
            Terminal.err("generate: unexpected answer: \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
            throw ExitCode(ExitStatus.unavailable)
        }
        let replayed = answer.headers["idempotent-replayed"] == "true"
        if machine {
            if !wait { Terminal.raw(answer.body) }
        } else {
            let price = answer.json?.at("price_usd")?.number.map { " · estimate $\(fixed($0, 4))" } ?? ""
            Terminal.line("\(replayed ? "Already made (same Idempotency-Key)" : "Accepted"): \(id) · \(model)\(price)")
            if !wait { Terminal.line("  follow: sora show \(id) --wait") }
        }
        guard wait else { return }
        let code = Follower(api: api, json: machine, remote: target.url != nil)
            .follow(id: id, statusURL: statusURL, typicalSeconds: entry?.typicalSeconds)
        if code != .ok { throw ExitCode(code) }
    }
}
