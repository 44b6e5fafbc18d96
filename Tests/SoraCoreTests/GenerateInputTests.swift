import Foundation
import Testing
@testable import SoraCore

@Suite struct GenerateInputTests {
    let limits = GenerateLimits(maxPromptLength: 4000, maxImageBytes: 10_000_000)
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]

    func parse(_ json: String) throws(APIError) -> GenerateInput {
        try GenerateInput.parse(body: Array(json.utf8), catalog: .standard, limits: limits)
    }

    func code(_ json: String) -> String? {
        do { _ = try parse(json); return nil } catch { return error.code }
    }

    @Test func textToVideoNeedsOnlyModelAndPrompt() throws {
        let input = try parse(#"{"model":"sora-v2-landscape","prompt":"  a fox  ","resolution":"1080p"}"#)
        #expect(input.model.upstreamModel == "sora_video2-landscape")
        #expect(input.prompt == "a fox")
        #expect(input.mode == .textToVideo)
    }

    @Test func dataURIImageIsCheckedByMagicBytes() throws {
        let b64 = Data(Self.png).base64EncodedString()
        let input = try parse(#"{"model":"sora-v2-portrait","prompt":"p","first_frame_base64":"data:image/jpeg;base64,\#(b64)"}"#)
        #expect(input.image?.mime == "image/png")  // the bytes win over the declared type
        #expect(input.mode == .imageToVideo)
    }

    @Test func webpAndJpegAreAccepted() {
        #expect(GenerateInput.sniffImage(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8))?.1 == "webp")
        #expect(GenerateInput.sniffImage([0xFF, 0xD8, 0xFF, 0xE0])?.1 == "jpg")
        #expect(GenerateInput.sniffImage(Array("GIF89a".utf8)) == nil)
    }

    @Test func errors() {
        #expect(code(#"{"model":"nope","prompt":"p"}"#) == "unknown_model")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":" "}"#) == "prompt_empty")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"\#(String(repeating: "x", count: 4001))"}"#) == "prompt_too_long")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","duration":15}"#) == "duration_mismatch")
        #expect(code(#"{"model":"sora-v2-portrait-15s","prompt":"p","duration":"15"}"#) == nil)
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","image_url":"http://x/a.png"}"#) == "image_url_invalid")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","image_url":"https://x/a.png","first_frame_base64":"data:image/png;base64,AAAA"}"#) == "image_conflict")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","first_frame_base64":"data:text/plain;base64,AAAA"}"#) == "image_invalid")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","first_frame_base64":"data:image/png;base64,!!!!"}"#) == "image_invalid")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","first_frame_base64":"data:image/png;base64,R0lGODlhAQABAAAAACw="}"#) == "image_type")
        #expect(code("[]") == "invalid_json")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","first_frame_base64":null,"image_url":""}"#) == nil)
    }

    @Test func retiredModelIsRefused() {
        var catalog = ModelCatalog.standard
        catalog.models[0].retired = true
        catalog.models[0].notice = "已下线"
        #expect(throws: APIError.self) {
            try GenerateInput.parse(body: Array(#"{"model":"sora-v2-portrait","prompt":"p"}"#.utf8), catalog: catalog, limits: limits)
        }
    }
}
