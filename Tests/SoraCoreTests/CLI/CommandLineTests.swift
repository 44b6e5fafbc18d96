import Foundation
import Testing
@testable import SoraCore

/// The command line's core (issue 11): the in-process API caller, generate bodies, batch keys,
/// exit codes and the progress line.
@Suite struct CommandLineTests {
    let spool: Spool
    init() throws { spool = try tempSpool() }

    @Test func localCallerIsTheRouterWithSignInSatisfiedByTheConfigFile() throws {
        let config = testConfig(spool, ["SORA_AUTH": "on", "SORA_ADMIN_TOKEN": "tok-0123456789abcdef"])
        let launches = Launches()
        let api = LocalAPI(config: config, launchWorker: launches.record)
        let body = try GenerateBody.make(model: "seedance-2-0-fast", prompt: "a fox", image: nil, lastFrame: nil, params: ["duration": 4])
        guard case .success(let a) = api.call(APICall("POST", "/api/generate", body: body, idempotencyKey: "k1")) else { Issue.record("no answer"); return }
        #expect(a.status == 202)
        let id = try #require(a.json?.firstString("task_id"))
        #expect(launches.ids == [id], "the real launcher is called: a detached worker starts")
        #expect(api.statusDocument(id: id, statusURL: "")?.params["duration"] == .int(4))
        // The same key again: the first job, no second launch (the router's idempotency).
        guard case .success(let again) = api.call(APICall("POST", "/api/generate", body: body, idempotencyKey: "k1")) else { return }
        #expect(again.status == 200 && again.headers["idempotent-replayed"] == "true" && launches.ids.count == 1)
        // Over HTTP the same router still wants the token.
        let http = makeRouter(config, spool).handle(APIRequest(method: "GET", path: "/api/jobs"))
        #expect(http.status == 401)
        // Refusals are the router's: same status, same code.
        guard case .success(let bad) = api.call(APICall("POST", "/api/generate", body: Array(#"{"model":"x","prompt":"y"}"#.utf8))) else { return }
        #expect(bad.status == 400 && bad.errorCode == "unknown_model")
        #expect(ExitStatus.of(refusal: bad.status, code: bad.errorCode) == .invalid)
    }

    @Test func paramsAreTypedByTheCatalog() throws {
        let model = try #require(ModelCatalog.standard.model(id: "seedance-2-0"))
        let p = try GenerateBody.params(["duration=8", "resolution=1080p", "audio=no", "seed=42"], model: model)
        #expect(p == ["duration": .int(8), "resolution": .string("1080p"), "audio": .bool(false), "seed": .int(42)])
        let wan = try #require(ModelCatalog.standard.model(id: "wan-2-7-t2v"))
        #expect(try GenerateBody.params(["negative_prompt=123"], model: wan)["negative_prompt"] == .string("123"))
        // Unknown to the catalog: typed by look, and the API decides (unknown_param).
        #expect(try GenerateBody.params(["x=5", "y=true", "z=a=b"], model: nil) == ["x": .int(5), "y": .bool(true), "z": .string("a=b")])
        #expect(throws: GenerateBody.Problem.self) { try GenerateBody.params(["novalue"], model: model) }
    }

    @Test func framesBecomeDataURIsOrURLs() throws {
        let png = NSTemporaryDirectory() + "frame-\(UUID().uuidString).png"
        try FileIO.writeAtomically([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3], to: png)
        let body = try GenerateBody.make(model: "m", prompt: "p", image: png, lastFrame: "https://example.com/last.jpg", params: [:])
        let json = try #require(JSONValue.parse(body))
        #expect(json["first_frame_base64"]?.string?.hasPrefix("data:image/png;base64,iVBORw0KGgo") == true)
        #expect(json["last_frame_url"]?.string == "https://example.com/last.jpg" && json["image_url"] == nil)
        #expect(throws: GenerateBody.Problem.self) { try GenerateBody.make(model: "m", prompt: "p", image: "/no/such.png", lastFrame: nil, params: [:]) }
    }

    @Test func batchKeysFollowTheContentNotItsSpelling() {
        let (lines, bad) = BatchLine.parse("""
            # comment

            {"model":"m","prompt":"a","params":{"duration":5}}
            { "params": {"duration": 5}, "prompt": "a", "model": "m" }
            {"model":"m","prompt":"b"}
            not json
            """)
        #expect(lines.map(\.number) == [3, 4, 5] && bad.map(\.number) == [6])
        #expect(lines[0].key == lines[1].key, "same object, other spacing and order: same key")
        #expect(lines[0].key != lines[2].key && lines[0].key.hasPrefix("batch-") && lines[0].key.count == 70)
        let withName = BatchLine(number: 1, object: ["model": "m", "prompt": "a", "name": "x"])
        let body = (try? withName.body(baseDir: ".")).flatMap { JSONValue.parse($0) }
        #expect(body?["name"] == nil && body?["model"]?.string == "m")
    }

    @Test func batchResultsSurviveATornLastLine() throws {
        let path = NSTemporaryDirectory() + "results-\(UUID().uuidString).jsonl"
        let r = BatchResult(line: 2, name: "n", key: "batch-x", refusal: "invalid_param", message: "m")
        try FileIO.writeAtomically(r.jsonLine() + Array(#"{"line":3,"key":"bat"#.utf8), to: path)
        #expect(BatchResult.load(path: path) == ["batch-x": r])
    }

    @Test func exitCodesTellOutcomesApart() {
        #expect(ExitStatus.of(refusal: 402, code: "budget_exceeded") == .budgetExceeded)
        #expect(ExitStatus.of(refusal: 503, code: "queue_full") == .busy)
        #expect(ExitStatus.of(refusal: 503, code: "spool_unavailable") == .unavailable)
        #expect(ExitStatus.of(refusal: 401, code: "unauthorized") == .unauthorized)
        #expect(ExitStatus.of(refusal: 422, code: "idempotency_key_reused") == .invalid)
        #expect(ExitStatus.of(refusal: 409, code: "not_cancellable") == .conflict)
        let kinds: [FailureKind] = [.moderation, .upstream, .timeout, .ambiguous, .streamCut, .noLink, .transfer, .config, .interrupted]
        #expect(Set(kinds.map { ExitStatus.of(kind: $0).rawValue }).count == kinds.count, "one code per kind")
        #expect(Set(ExitStatus.allCases.map(\.rawValue)).count == ExitStatus.allCases.count)
        #expect(ExitStatus.table.contains(" 21  refused: today's budget is spent"))
    }
}
