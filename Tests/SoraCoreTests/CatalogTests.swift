import Foundation
import Testing
@testable import SoraCore

@Suite struct CatalogTests {
    @Test func standardCatalogMapsThePlansFourModels() {
        let c = ModelCatalog.standard
        #expect(c.models.map(\.id) == ["sora-v2-portrait", "sora-v2-landscape", "sora-v2-portrait-15s", "sora-v2-landscape-15s"])
        #expect(c.models.map(\.upstreamModel) == ["sora_video2", "sora_video2-landscape", "sora_video2-15s", "sora_video2-landscape-15s"])
        #expect(c.model(id: "sora-v2-landscape-15s")?.duration == 15)
        #expect(c.model(id: "sora-v2-portrait")?.width == 704)
    }

    @Test func objectKeyHasDateModelAndJob() {
        let d = Date(timeIntervalSince1970: 1_764_057_600) // 2025-11-25
        #expect(videoObjectKey(prefix: "/videos/", jobID: "abc", model: "sora-v2-portrait", date: d)
                == "videos/2025/11/25/sora-v2-portrait/abc.mp4")
        #expect(videoObjectKey(prefix: "", jobID: "abc", model: "m", date: d) == "2025/11/25/m/abc.mp4")
    }
}
