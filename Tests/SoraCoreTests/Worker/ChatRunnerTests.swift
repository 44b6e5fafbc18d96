import Foundation
import Testing
@testable import SoraCore

/// The chat-stream flavour's defects found in testing (issue 7 §6), each pinned by a test.
@Suite struct ChatRunnerTests {
    let clock = TestClock()
    let http = ScriptedTransport()
    let spool: Spool
    let config: Config

    init() throws {
        spool = try tempSpool()
        config = testConfig(spool)
    }

    static let link = "https://b.example/sora/u.mp4?Expires=4102444800&OSSAccessKeyId=a&Signature=x%2By%3D"

    func job() throws -> String {
        let r = submit(makeRouter(config, spool, clock: clock), #"{"model":"sora-v2-portrait","prompt":"a fox"}"#)
        return try #require(r.json?.firstString("task_id"))
    }

    func run(_ id: String) { makeWorker(config, spool, http, clock).run(jobID: id) }

    @Test func aWholeChatCompletionInsteadOfAStreamStillGivesTheVideo() throws {
        let id = try job()
        http.on("POST", "/chat/completions", ScriptedTransport.json(200, #"{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"✅ 视频生成成功，[点击这里](\#(Self.link)) 查看视频"},"finish_reason":"stop"}]}"#))
        http.on("GET", "b.example", .answer(200, ["content-type": "video/mp4"], fakeMP4))
        run(id)
        #expect(spool.readStatus(id)?.status == .succeeded)
        #expect(spool.readStatus(id)?.linkExpiryEstimated == false)  // the link said when it expires
    }

    @Test func aStreamLabelledTextPlainIsReadAsAStream() throws {
        let id = try job()
        let sse = "data: {\"choices\":[{\"delta\":{\"content\":\"🏃 进度：50%\\n\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"[点击这里](\(Self.link))\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"
        http.on("POST", "/chat/completions", .answer(200, ["content-type": "text/plain; charset=utf-8"], Array(sse.utf8)))
        http.on("GET", "b.example", .answer(200, ["content-type": "video/mp4"], fakeMP4))
        run(id)
        #expect(spool.readStatus(id)?.status == .succeeded)
    }

    @Test func costIsCountedWhenTheGatewayAcceptsNotWhenTheStreamEnds() throws {
        let id = try job()
        let sse = "data: {\"choices\":[{\"delta\":{\"content\":\"🏃 进度：10%\\n\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"🏃 进度：2"
        http.on("POST", "/chat/completions", .cut(200, ["content-type": "text/event-stream"], Array(sse.utf8)))
        run(id)
        let d = try #require(spool.readStatus(id))
        #expect(d.error?.kind == .streamCut && d.costState == .reserved && d.costUSD == 0.12)
        #expect(d.phase == .failed && d.stage.isEmpty == false && !d.stage.contains("等待"))
    }

    @Test func aTLSFailureBeforeTheStreamIsNotBilled() throws {
        let id = try job()
        http.on("POST", "/chat/completions", .fail(60, "SSL certificate problem: unable to get local issuer certificate"))
        run(id)
        let d = try #require(spool.readStatus(id))
        #expect(d.error?.kind == .config && d.error?.code == "tls_failed")
        #expect(d.costState == .released && d.costUSD == 0)
    }

    @Test func noUpstreamURLReachesTheStatusFile() throws {
        let id = try job()
        http.on("POST", "/chat/completions", ScriptedTransport.json(200, #"{"object":"chat.completion","choices":[{"message":{"content":"[点击这里](\#(Self.link))"},"finish_reason":"stop"}]}"#))
        http.on("GET", "b.example", .answer(404, ["content-type": "application/xml"], Array("<Error><Code>NoSuchKey</Code><Message>https://b.example/sora/u.mp4 not found</Message></Error>".utf8)))
        run(id)
        let file = String(decoding: FileIO.read(spool.statusPath(id)) ?? [], as: UTF8.self)
        #expect(file.contains("\"transfer\""))
        #expect(!file.contains("b.example/sora") && !file.contains("Signature") && !file.contains("u.mp4"))
    }

    @Test func aRefusedRequestIsNotBilledAndSaysWhy() throws {
        let id = try job()
        http.on("POST", "/chat/completions", ScriptedTransport.json(503, #"{"error":{"message":"当前分组 default 下对于模型 sora_video2 无可用渠道","type":"new_api_error"}}"#))
        run(id)
        let d = try #require(spool.readStatus(id))
        #expect(d.error?.code == "model_unavailable" && d.costState == .released)
    }

    @Test func aWorkerThatDiedMidStreamIsInterruptedNeverResent() throws {
        let id = try job()
        var state = spool.readState(id)
        state.create = .accepted; state.submissions = 1
        try spool.writeState(id, state)
        run(id)
        #expect(spool.readStatus(id)?.error?.kind == .interrupted)
        #expect(http.seen.isEmpty)
    }
}
