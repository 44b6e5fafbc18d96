import Foundation
import Testing

/// Bodies for the driver's path (`ChatStreamReader.feed`): the four dialects plus the shapes a
/// gateway may also send (refusals, errors, cut bodies, non-streamed JSON answers, odd framing,
/// escapes and UTF-8 split between chunks). Each is the exact bytes of a 200 answer's body.
enum FeedFixture: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case d1, d2, d3, d4
    case refusalAfterProgress
    case errorObjectMidStream
    case cutInsideTheLink
    case completionBody
    case completionRefusal
    case errorBody
    case imageSyntaxAroundTheVideo
    case videoTagOverSeveralLines
    case contentPartsAndOutputArray
    case escapesAndSurrogateSplitAcrossChunks
    case rawUTF8SplitAcrossChunks
    case crOnlyFramingWithFieldsAndMultiLineData
    case crlfMultiLineDataAndCRLFSplitBetweenDeltas

    var testDescription: String { rawValue }

    var bytes: [UInt8] {
        switch self {
        case .d1: return Dialect.d1TaskLogGoEscapes.bytes
        case .d2: return Dialect.d2QueuePercentPythonEscapesCRLF.bytes
        case .d3: return Dialect.d3ReasoningChannelWithBOM.bytes
        case .d4: return Dialect.d4PlanFormMixedLineEndsNoDone.bytes
        case .refusalAfterProgress:
            return sse([
                #"{"id":"c1","model":"sora_video2","choices":[{"index":0,"delta":{"content":"\u003e 🏃 进度：41.0%\n\n"},"finish_reason":null}]}"#,
                #"{"id":"c1","model":"sora_video2","choices":[{"index":0,"delta":{"content":"\u003e ❌ 视频生成失败：This content may violate our guardrails around violence or graphic content.\n\n"},"finish_reason":null}]}"#,
                #"{"id":"c1","model":"sora_video2","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
                "[DONE]",
            ])
        case .errorObjectMidStream:
            return sse([
                #"{"id": "", "choices": [{"index": 0, "delta": {"content": null, "reasoning_content": "**Video Generation Progress**: 37% (processing)\n"}, "finish_reason": null}]}"#,
                #"{"error": {"message": "API request failed: 400 - {\n  \"error\": {\n    \"code\": \"sentinel_block\"\n  }\n}", "type": "server_error", "param": null, "code": null}}"#,
                "[DONE]",
            ])
        case .cutInsideTheLink:
            let bytes = Dialect.d2QueuePercentPythonEscapesCRLF.bytes
            return Array(bytes[..<(bytes.count * 3 / 4)])
        case .completionBody:
            return Array(#"""
            {"id":"foaicmpl-1","object":"chat.completion","created":1764057600,"model":"sora_video2","choices":[{"index":0,"message":{"role":"assistant","content":"\u003e ⌛️ 任务正在队列中\n\n\u003e 🏃 进度：36.0%\n\n\u003e ✅ 视频生成成功，[下载视频](https://b.oss-us-west-1.aliyuncs.com/sora/u.mp4?Expires=1\u0026Signature=a%2Bb)\n"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}
            """#.utf8)
        case .completionRefusal:
            return Array(#"""

             {"id":"foaicmpl-2","object":"chat.completion","model":"sora_video2","choices":[{"index":0,"message":{"role":"assistant","content":"> 🏃 进度：12%\n> This content may violate our guardrails concerning similarity to third-party content."},"finish_reason":"stop"}]}
            """#.utf8)
        case .errorBody:
            return Array(#"{"error":{"message":"当前分组 default 下对于模型 sora_video2 无可用渠道 (request id: 2025112)","type":"new_api_error","param":"","code":null}}"#.utf8)
        case .imageSyntaxAroundTheVideo:
            return sse([
                contentChunk("\\u003e 生成完成 ✅\\n\\n"),
                contentChunk("![https://cdn.example.net/p.webp](https://cdn.example.net/p.webp)\\n"),
                contentChunk("![poster](https://cdn.example.net/v/9f8e"),
                contentChunk(".mp4)\\n", finish: "stop"),
                "[DONE]",
            ])
        case .videoTagOverSeveralLines:
            return sse([
                contentChunk("**Video Generation Completed**\\n\\n```html\\n<video\\n  controls\\n"),
                contentChunk("  src='https://sora2api.example.org/tmp/a1b2"),
                contentChunk("c3.mp4'>\\n</video>\\n```", finish: "STOP"),
                "[DONE]",
            ])
        case .contentPartsAndOutputArray:
            return sse([
                #"{"choices":[{"delta":{"content":[{"type":"text","text":"进度：5%\n"},{"type":"image_url","image_url":{"url":"https://x.example/i.png"}},{"type":"text","text":"生成中\n"}]}}]}"#,
                #"{"choices":[{"delta":{"content":"done\n","output":[{"url":"https://x.example/p.png","type":"image"},{"url":"https://x.example/v?id=9","type":"video","meta":{"w":[1,2,{"h":null}]}}]}}]}"#,
                #"{"choices":[{"delta":{},"finish_reason":"stop"}]}"#,
            ])
        case .escapesAndSurrogateSplitAcrossChunks:
            return sse([
                #"{"id": "py-1", "choices": [{"index": 0, "delta": {"content": "> \ud83c"}, "finish_reason": null}]}"#,
                #"{"id": "py-1", "choices": [{"index": 0, "delta": {"content": "\udfc3 \u8fdb\u5ea6\uff1a30%\n\n"}, "finish_reason": null}]}"#,
                #"{"id": "py-1", "choices": [{"index": 0, "delta": {"con\u0074ent": "\u2705 [\u70b9\u51fb\u8fd9\u91cc](https:\/\/a.example\/sora\/v.mp4?a=1\u0026b=\u0032) \"ok\" \\o/\t\n"}, "finish_reason": null}]}"#,
                #"{"id": "py-1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": {"nested": {"deep": [[[]], {"x": [1.5e3, -0, true, false, null]}]}}}"#,
                "[DONE]",
            ])
        case .rawUTF8SplitAcrossChunks:
            // "> 🏃 进度：77%\n" with "进" (E8 BF 9B) cut after its second byte between two deltas.
            let line = Array("> 🏃 进度：77%\\n".utf8)
            let cut = line.firstIndex(of: 0xE8)! + 2
            func payload(_ text: ArraySlice<UInt8>) -> [UInt8] {
                Array(#"{"choices":[{"delta":{"content":""#.utf8) + text + Array(#""}}]}"#.utf8)
            }
            let done = Array(#"{"choices":[{"delta":{"content":"视频生成成功！[点击这里](https://c.example/x.mp4)\n"},"finish_reason":"stop"}]}"#.utf8)
            return [Array("data: ".utf8) + payload(line[..<cut]) + [0x0A, 0x0A],
                    Array("data: ".utf8) + payload(line[cut...]) + [0x0A, 0x0A],
                    Array("data: ".utf8) + done + [0x0A, 0x0A]].flatMap { $0 }
        case .crOnlyFramingWithFieldsAndMultiLineData:
            let text = "retry: 3000\r: comment\rid: 7\revent: message\rdata:{\"choices\":[{\"delta\":\rdata: {\"content\":\"> 进度：64%\\n\"}}]}\r\r"
                + "id: 8\rdata: {\"choices\":[{\"delta\":{\"content\":\"<video src=\\\"https://v.example/a.webm\\\"></video>\\n\"},\"finish_reason\":\"stop\"}]}\r\r"
                + "data: [DONE]\r\r"
            return Array(text.utf8)
        case .crlfMultiLineDataAndCRLFSplitBetweenDeltas:
            // An event whose JSON spans two `data:` lines (a CRLF cut between feeds must not end
            // it), and a Markdown label spanning a CRLF whose halves come in two deltas.
            let text = ": ping\r\n"
                + "data: {\"choices\":[{\"delta\":\r\ndata: {\"content\":\"> 进度：21%\\n> ✅ [下载\\r\"}}]}\r\n\r\n"
                + "data: {\"choices\":[{\"delta\":{\"content\":\"\\n视频](https://e.example/play?id=7)\\r\\n\"},\r\n"
                + "data: \"finish_reason\":\"stop\"}]}\r\n\r\n"
                + "data: [DONE]\r\n\r\n"
            return Array(text.utf8)
        }
    }

    /// Whether the body is SSE (the event interface can read it too).
    var isEventStream: Bool {
        switch self {
        case .completionBody, .completionRefusal, .errorBody: return false
        default: return true
        }
    }

    private func sse(_ payloads: [String]) -> [UInt8] { sseBody(payloads) }
}
