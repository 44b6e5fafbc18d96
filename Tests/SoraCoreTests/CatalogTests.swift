import Foundation
import Testing
@testable import SoraCore

@Suite struct CatalogTests {
    @Test func builtinOffersTodaysModelsAndKeepsSoraRetired() {
        let c = ModelCatalog.standard
        #expect(Set(c.models.filter { !$0.retired }.map(\.protocol)) == [.arkTasks, .dashscopeTasks, .openaiVideos])
        let sora = c.models.filter { $0.protocol == .chatStream }
        #expect(sora.map(\.upstreamModel) == ["sora_video2", "sora_video2-landscape", "sora_video2-15s", "sora_video2-landscape-15s"])
        #expect(sora.allSatisfy { $0.retired && !$0.replacedBy.isEmpty && $0.notice != nil })
        for m in c.models {
            #expect(m.price.source != nil && m.price.asOf != nil, "price source for \(m.id)")
            // `{"model","prompt"}` alone is valid: every parameter has an allowed default.
            for p in m.params { #expect((try? p.check(p.defaultValue).get()) != nil, "default of \(m.id).\(p.name)") }
        }
    }

    @Test func firstReleaseCatalogFilesStillLoad() throws {
        let path = NSTemporaryDirectory() + "old-catalog-\(UUID().uuidString).json"
        try #"{"models":[{"id":"x","upstream_model":"sora_video2","label":"X","width":704,"height":1280,"duration":10,"price_usd":0.15}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let m = try #require(try ModelCatalog.load(path: path).model(id: "x"))
        #expect(m.protocol == .chatStream && m.price == .perCall(0.15) && m.duration == 10)
        #expect(m.estimate([:]) == 0.15)
    }

    @Test func includeBuiltinAddsAndOverridesByID() throws {
        let path = NSTemporaryDirectory() + "catalog-\(UUID().uuidString).json"
        try #"{"include_builtin":true,"models":[{"id":"sora-v2-portrait","upstream_model":"sora_video2","label":"S","width":704,"height":1280,"duration":10,"price_usd":0.1},{"id":"mine","upstream_model":"m","protocol":"openai_videos","base_url":"https://other.example/v1","api_key_env":"OTHER_KEY","price":{"kind":"per_call","usd":1}}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let c = try ModelCatalog.load(path: path)
        #expect(c.model(id: "seedance-2-0") != nil)
        #expect(c.model(id: "sora-v2-portrait")?.retired == false)
        #expect(c.model(id: "mine")?.apiKeyEnv == "OTHER_KEY")
        #expect(c.models.count == ModelCatalog.standard.models.count + 1)
    }

    @Test func frameSizeRule() {
        #expect(FrameSize.from(resolution: "720p", ratio: "16:9") == FrameSize(width: 1280, height: 720))
        #expect(FrameSize.from(resolution: "720p", ratio: "9:16") == FrameSize(width: 720, height: 1280))
        #expect(FrameSize.from(resolution: "1080p", ratio: "21:9") == FrameSize(width: 2528, height: 1080))
        #expect(FrameSize.from(resolution: "480p", ratio: "1:1") == FrameSize(width: 480, height: 480))
        #expect(FrameSize.from(resolution: "720p", ratio: "adaptive") == FrameSize(width: 1280, height: 720))
        #expect(FrameSize.parse(size: "1280*720") == FrameSize(width: 1280, height: 720))
    }

    @Test func pricesFollowTheirRules() throws {
        let c = ModelCatalog.standard
        let seedance = try #require(c.model(id: "seedance-2-0"))
        // 1280×720×(24×5+1)/1024 = 108,900 tokens at 7.13 USD per million: exactly the usage the
        // reference's sample reports for such a clip.
        #expect(PriceRule.tokens(width: 1280, height: 720, fps: 24, seconds: 5) == 108_900)
        #expect(seedance.estimate(["duration": 5, "resolution": "720p", "ratio": "16:9"]) == PriceRule.round(108_900 / 1e6 * 7.13))
        #expect(seedance.price.settle(usage: Usage(tokens: 108_900), resolution: "720p") == PriceRule.round(0.1089 * 7.13))
        let wan = try #require(c.model(id: "wan-2-7-t2v"))
        #expect(wan.estimate(["duration": 10, "resolution": "1080p"]) == 1.55)
        #expect(wan.price.settle(usage: Usage(seconds: 5), resolution: "1080p") == 0.775)
        #expect(wan.price.settle(usage: Usage(tokens: 1), resolution: "1080p") == nil)
    }

    @Test func baseURLsStartingWithASlashFollowTheGateway() {
        var c = Config.load(environment: ["SORA_BASE_URL": "http://127.0.0.1:9/v1"])
        let seedance = ModelCatalog.standard.model(id: "seedance-2-0")!
        #expect(c.baseURL(for: seedance) == "http://127.0.0.1:9/seedance/api/v3")
        c.baseURL = "https://api.apiyi.com/v1"
        #expect(c.baseURL(for: seedance) == "https://api.apiyi.com/seedance/api/v3")
        var direct = seedance
        direct.baseURL = "https://ark.cn-beijing.volces.com/api/v3/"
        #expect(c.baseURL(for: direct) == "https://ark.cn-beijing.volces.com/api/v3")
    }

    @Test func objectKeyHasDateModelAndJob() {
        let d = Date(timeIntervalSince1970: 1_764_057_600) // 2025-11-25
        #expect(videoObjectKey(prefix: "/videos/", jobID: "abc", model: "sora-v2-portrait", date: d)
                == "videos/2025/11/25/sora-v2-portrait/abc.mp4")
        #expect(videoObjectKey(prefix: "", jobID: "abc", model: "m", date: d) == "2025/11/25/m/abc.mp4")
    }
}

@Suite struct ExampleCatalogTests {
    /// The example files in docs/catalogs load, and every model in them is valid as shipped.
    @Test(arguments: ["apiyi", "volcengine", "dashscope", "openai-compatible"])
    func exampleCatalogLoads(_ name: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/catalogs/\(name).json").path
        let c = try ModelCatalog.load(path: path)
        #expect(!c.models.isEmpty)
        for m in c.models {
            for p in m.params { #expect((try? p.check(p.defaultValue).get()) != nil, "default of \(m.id).\(p.name)") }
            #expect(m.estimate(m.defaults(for: m.modes[0])) > 0, "\(m.id) has a price")
        }
    }
}
