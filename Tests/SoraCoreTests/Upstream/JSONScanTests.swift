import Testing
@testable import SoraCore

@Suite("JSON scanning")
struct JSONScanTests {
    private func scan(_ text: String) -> ChatPayload? {
        var text = text
        return text.withUTF8 { bytes in
            do {
                return try ChatPayload.scan(bytes)
            } catch {
                return nil
            }
        }
    }

    private func decoded(_ escaped: String) -> String {
        var text = "\"" + escaped + "\""
        return text.withUTF8 { bytes in
            var cursor = JSONCursor(bytes)
            do {
                return JSONText.string(bytes, try cursor.readString())
            } catch {
                return "<malformed>"
            }
        }
    }

    @Test(arguments: [
        "", "{", "}", "[1]", "\"text\"", "42", "null", "{} x", "{}{}",
        #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#, #"{a:1}"#, #"{"a":tru}"#, #"{"a":nul}"#,
        #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":1e}"#, #"{"a":-}"#, #"{"a":+1}"#,
        #"{"a":"\x"}"#, #"{"a":"\u12G4"}"#, #"{"a":"\u12"}"#, #"{"a":"open}"#, #"{"a":[1 2]}"#, #"{"a":[1,]}"#,
        #"{"choices":[{"delta":{"content":"x"}}]"#, #"{"choices":[{"delta":{"content":"x"}]}"#,
    ])
    func malformedPayloadsAreRejected(_ text: String) {
        #expect(scan(text) == nil)
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(scan(#"{"a":"# + deep + "}") == nil)
        let fine = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        #expect(scan(#"{"a":"# + fine + "}") != nil)
    }

    @Test func skippedValuesOfEveryTypeAreValidated() {
        let payload = #" { "usage" : {"n": [1, -0, 2.5e-3, 1E+9, true, false, null, "s\"\\", {"x": []}]},"#
            + #" "choices": [ {"delta": {"content": "ok", "extra": {"a": [{}]}}, "finish_reason": null}, {"delta": "second"} ] } "#
        let fields = scan(payload)
        #expect(fields?.hasChoices == true)
        if case .string(let ref)? = fields?.message?.content {
            #expect(ref.hasEscapes == false)
        } else {
            Issue.record("content not found")
        }
    }

    @Test func wrongTypesAreIgnoredNotFatal() {
        #expect(scan(#"{"choices":"not an array"}"#)?.hasChoices == false)
        #expect(scan(#"{"choices":[42]}"#)?.message == nil)
        #expect(scan(#"{"choices":[{"delta":null,"message":{"content":"m"}}]}"#)?.message != nil)
        let numberContent = scan(#"{"choices":[{"delta":{"content":42}}]}"#)
        if case .none? = numberContent?.message?.content {} else { Issue.record("content 42 should be ignored") }
    }

    @Test func finishReasonIsReadLeniently() {
        var text = #"{"choices":[{"delta":{},"finish_reason":7}]}"#
        text.withUTF8 { bytes in
            do {
                let fields = try ChatPayload.scan(bytes)
                #expect(fields.finishReason.flatMap { JSONText.text(bytes, $0) } == "7")
            } catch {
                Issue.record("rejected")
            }
        }
    }

    @Test func escapesDecodeByteForByte() {
        #expect(decoded(#"\u003e \u0026 \u003c \/ \" \\ \b\f\n\r\t"#) == "> & < / \" \\ \u{8}\u{C}\n\r\t")
        #expect(decoded(#"\ud83c\udfc3 \u8fdb\u5ea6\uff1a"#) == "🏃 进度：")
        #expect(decoded(#"%2B%3D raw 进度 ✅"#) == "%2B%3D raw 进度 ✅")
        #expect(decoded(#"\uD83C\uDFC3"#) == "🏃")
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() {
        #expect(decoded(#"a\ud83cb"#) == "a\u{FFFD}b")
        #expect(decoded(#"a\udfc3b"#) == "a\u{FFFD}b")
        #expect(decoded(#"\ud83c"#) == "\u{FFFD}")
        #expect(decoded(#"\ud83c\ud83c\udfc3"#) == "\u{FFFD}🏃")
    }

    @Test func keysWithEscapesAreCompared() {
        let fields = scan(#"{"choi\u0063es":[{"d\u0065lta":{"content":"x"}}]}"#)
        #expect(fields?.message != nil)
    }

    @Test func gatewayErrorObjectIsReadLeniently() {
        var text = #"{"message":"boom (request id: 42)","type":"new_api_error","code":429,"param":null,"extra":{"a":1}}"#
        let error = text.withUTF8 { GatewayError(jsonObject: $0) }
        #expect(error == GatewayError(message: "boom (request id: 42)", type: "new_api_error", code: "429"))
        #expect(error.requestID == "42")
    }
}
