import Foundation
import Testing
@testable import SoraCore

@Suite struct GenerateInputTests {
    let limits = GenerateLimits(maxPromptLength: 4000, maxImageBytes: 10_000_000)
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
    static var pngURI: String { "data:image/png;base64," + Data(png).base64EncodedString() }
    let catalog: ModelCatalog = {
        var c = ModelCatalog.standard
        for i in c.models.indices where c.models[i].protocol == .chatStream { c.models[i].retired = false }
        return c
    }()

    func parse(_ json: String) throws(APIError) -> GenerateInput {
        try GenerateInput.parse(body: Array(json.utf8), catalog: catalog, limits: limits)
    }

    func error(_ json: String) -> APIError? {
        do { _ = try parse(json); return nil } catch { return error }
    }
    func code(_ json: String) -> String? { error(json)?.code }

    @Test func modelAndPromptAloneTakeEveryDefault() throws {
        let input = try parse(#"{"model":"seedance-2-0","prompt":"  a fox  "}"#)
        #expect(input.prompt == "a fox")
        #expect(input.mode == .textToVideo)
        #expect(input.params == ["duration": 5, "resolution": "720p", "ratio": "16:9", "audio": true, "seed": -1])
    }

    @Test func paramsAreCheckedAgainstTheSchema() throws {
        #expect(try parse(#"{"model":"seedance-2-0","prompt":"p","params":{"duration":"12","resolution":"1080p"}}"#).params["duration"] == 12)
        let e = error(#"{"model":"seedance-2-0","prompt":"p","params":{"duration":16}}"#)
        #expect(e?.code == "invalid_param" && e?.params["name"] == "duration" && e?.params["max"] == 15)
        #expect(code(#"{"model":"seedance-2-0-fast","prompt":"p","params":{"resolution":"1080p"}}"#) == "invalid_param")
        #expect(error(#"{"model":"seedance-2-0","prompt":"p","params":{"fps":30}}"#)?.params["name"] == "fps")
        #expect(code(#"{"model":"seedance-2-0","prompt":"p","params":{"audio":"yes"}}"#) == "invalid_param")
        #expect(code(#"{"model":"seedance-2-0","prompt":"p","params":[1]}"#) == "invalid_field")
        // The first release's top-level duration still works where the model has the parameter.
        #expect(try parse(#"{"model":"wan-2-7-t2v","prompt":"p","duration":8}"#).params["duration"] == 8)
    }

    @Test func framesDecideTheMode() throws {
        let i2v = try parse(#"{"model":"seedance-2-0","prompt":"p","first_frame_base64":"\#(Self.pngURI)"}"#)
        #expect(i2v.mode == .imageToVideo)
        #expect(i2v.params["ratio"] == nil)  // Ark takes the ratio from the image
        let flf = try parse(#"{"model":"seedance-2-0","prompt":"p","image_url":"https://x.example/a.png","last_frame_base64":"\#(Self.pngURI)"}"#)
        #expect(flf.mode == .firstLastFrame)
        #expect(code(#"{"model":"seedance-2-0","prompt":"p","last_frame_url":"https://x.example/b.png"}"#) == "last_frame_without_first")
        #expect(error(#"{"model":"wan-2-7-t2v","prompt":"p","image_url":"https://x.example/a.png"}"#)?.params["mode"] == "image_to_video")
        #expect(code(#"{"model":"wan-2-7-i2v","prompt":"p"}"#) == "mode_unsupported")
        #expect(code(#"{"model":"seedance-2-0","prompt":"p","first_frame_base64":"\#(Self.pngURI)","params":{"ratio":"1:1"}}"#) == "invalid_param")
    }

    @Test func dataURIImageIsCheckedByMagicBytes() throws {
        let b64 = Data(Self.png).base64EncodedString()
        let input = try parse(#"{"model":"sora-v2-portrait","prompt":"p","first_frame_base64":"data:image/jpeg;base64,\#(b64)"}"#)
        guard case .image(let img)? = input.firstFrame else { Issue.record("no image"); return }
        #expect(img.mime == "image/png")  // the bytes win over the declared type
        #expect(GenerateInput.sniffImage(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8))?.1 == "webp")
        #expect(GenerateInput.sniffImage([0xFF, 0xD8, 0xFF, 0xE0])?.1 == "jpg")
        #expect(GenerateInput.sniffImage(Array("GIF89a".utf8)) == nil)
    }

    @Test func promptLimitsCountScalarsAndBytes() {
        // One grapheme cluster, 20,001 Unicode scalars.
        let marks = "a" + String(repeating: "\u{0301}", count: 20_000)
        #expect(error(#"{"model":"seedance-2-0","prompt":"\#(marks)"}"#)?.params["length"] == 20_001)
        #expect(code(#"{"model":"seedance-2-0","prompt":"\#(String(repeating: "字", count: 4000))"}"#) == nil)
        #expect(code(#"{"model":"seedance-2-0","prompt":"\#(String(repeating: "x", count: 4001))"}"#) == "prompt_too_long")
    }

    @Test func errors() {
        #expect(code(#"{"model":"nope","prompt":"p"}"#) == "unknown_model")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":" "}"#) == "prompt_empty")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","duration":15}"#) == "duration_mismatch")
        #expect(code(#"{"model":"sora-v2-portrait-15s","prompt":"p","duration":"15"}"#) == nil)
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","image_url":"http://x/a.png"}"#) == "image_url_invalid")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","image_url":"https://x/a.png","first_frame_base64":"data:image/png;base64,AAAA"}"#) == "image_conflict")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","first_frame_base64":"data:text/plain;base64,AAAA"}"#) == "image_invalid")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","first_frame_base64":"data:image/png;base64,!!!!"}"#) == "image_invalid")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","first_frame_base64":"data:image/png;base64,R0lGODlhAQABAAAAACw="}"#) == "image_type")
        #expect(code("[]") == "invalid_json")
        #expect(code(#"{"model":"sora-v2-portrait","prompt":"p","first_frame_base64":null,"image_url":""}"#) == nil)
        #expect(code(#"{"model":"seedance-2-0","prompt":"p","images_from":"../x"}"#) == "images_from_invalid")
    }

    @Test func retiredModelIsRefusedWithItsReplacements() {
        var e: APIError?
        do { _ = try GenerateInput.parse(body: Array(#"{"model":"sora-v2-portrait","prompt":"p"}"#.utf8), catalog: .standard, limits: limits) }
        catch { e = error }
        #expect(e?.code == "model_retired")
        #expect(e?.params["replaced_by"] == "seedance-2-0,wan-2-7-t2v")
    }
}
