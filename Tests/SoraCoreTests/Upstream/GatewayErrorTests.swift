import Foundation
import Testing
@testable import SoraCore

@Suite("GatewayError")
struct GatewayErrorTests {
    private func parse(_ text: String) -> GatewayError? { GatewayError.parse(body: Array(text.utf8)) }

    @Test func newAPIErrorWithRequestID() throws {
        let body = #"{"error":{"message":"当前分组 default 下对于模型 sora_video2 无可用渠道 (request id: 20251125103000123456789abcdEFGH)","type":"new_api_error","param":"","code":"model_not_found"}}"#
        let error = try #require(parse(body))
        #expect(error.type == "new_api_error")
        #expect(error.code == "model_not_found")
        #expect(error.param == "")
        #expect(error.requestID == "20251125103000123456789abcdEFGH")
        #expect(error.plainMessage == "当前分组 default 下对于模型 sora_video2 无可用渠道")
    }

    @Test func codeMayBeANumberAStringOrNull() {
        #expect(parse(#"{"error":{"message":"rate limited","type":"one_api_error","code":429}}"#)?.code == "429")
        #expect(parse(#"{"error":{"message":"x","code":"invalid_api_key","param":null}}"#)?.code == "invalid_api_key")
        let nulls = parse(#"{"error":{"message":"x","type":null,"param":null,"code":null}}"#)
        #expect(nulls == GatewayError(message: "x"))
        #expect(parse(#"{"error":{"message":"x","code":true,"param":{"nested":1}}}"#) == GatewayError(message: "x", code: "true"))
    }

    @Test func errorAsABareString() {
        #expect(parse(#"{"error":"quota exceeded"}"#) == GatewayError(message: "quota exceeded"))
    }

    @Test func topLevelMessageShapedBodies() {
        #expect(parse(#"{"message":"invalid token","code":1001}"#) == GatewayError(message: "invalid token", code: "1001"))
        #expect(parse(#"{"detail":"Not Found"}"#) == GatewayError(message: "Not Found"))
        #expect(parse(#"{"success":false,"msg":"余额不足"}"#) == GatewayError(message: "余额不足"))
    }

    @Test func sora2apiErrorWithEmbeddedUpstreamJSON() throws {
        let body = #"{"error": {"message": "API request failed: 400 - {\n  \"error\": {\n    \"code\": \"sentinel_block\"\n  }\n}", "type": "server_error", "param": null, "code": null}}"#
        let error = try #require(parse(body))
        #expect(error.message.hasPrefix("API request failed: 400 - {\n"))
        #expect(error.message.contains("sentinel_block"))
        #expect(error.type == "server_error")
        #expect(error.code == nil)
        #expect(error.requestID == nil)
    }

    @Test func plainTextAndHTMLBodies() {
        #expect(parse("  upstream timeout\n") == GatewayError(message: "upstream timeout"))
        let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
        #expect(parse(html) == GatewayError(message: "502 Bad Gateway"))
        #expect(parse("<html><body><h1>Service  Unavailable</h1></body></html>") == GatewayError(message: "Service Unavailable"))
        #expect(parse(#""just text in JSON""#) == GatewayError(message: "just text in JSON"))
        #expect(parse(#"{"unexpected":true}"#) == GatewayError(message: #"{"unexpected":true}"#))
    }

    @Test func emptyBodyIsNoError() {
        #expect(GatewayError.parse(body: []) == nil)
        #expect(parse(" \n ") == nil)
    }

    @Test func longTextBodiesAreCut() {
        let message = parse(String(repeating: "x", count: 5000))?.message ?? ""
        #expect(message.count == GatewayError.maxTextMessage + 1)
    }

    @Test func encodesWithStableKeys() throws {
        let data = try JSONEncoder().encode(GatewayError(message: "m", type: "t", code: "c"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        #expect(object == ["message": "m", "type": "t", "code": "c"])
        #expect(try JSONDecoder().decode(GatewayError.self, from: data) == GatewayError(message: "m", type: "t", code: "c"))
    }
}
