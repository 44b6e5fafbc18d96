// Dialect streams D1–D4 of upstream-protocols.md A.5, written as the bytes a gateway sends.
// JSON escaping is the gateway's own: Go-style (`\u003e`, `\u0026`) for D1/D4, Python
// `json.dumps` defaults (`", "` separators, `\uXXXX`, surrogate pairs) for D2/D3.
// Each literal ends with the blank line that dispatches its last event (a multi-line string
// literal drops the line break before its closing delimiter, hence the extra empty line).

enum StreamFixtures {
    static let d1 = #"""
data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"```json\n{\n    \"prompt\": \"a red fox running through fresh snow\",\n    \"orientation\": \"portrait\"\n}\n```\n\n"},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"\u003e ID: `task_01k9q7v3m2x8hzr5c4t1e6wbna`\n"},"finish_reason":null}]}

: keep-alive

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"\u003e[数据预览](https://sora.example.net/web/task_01k9q7v3m2x8hzr5c4t1e6wbna) | [原始数据](https://sora.example.net/source/task_01k9q7v3m2x8hzr5c4t1e6wbna)\n"},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"\u003e 排队中"},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"......\n"},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"\u003e 生成中.\n"},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"\u003e🏃 进度 36..\n"},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"\u003e🏃 进度 76..\n"},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"\u003e 生成完成 ✅\n\u003e sid: s_692563a0c4d88191b7e2f0a1c3d5e7f9\n\n"},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"![https://cdn.example.net/20251125/9f8e7d6c.webp](https://cdn.example.net/20251125/9f8e7d6c.webp)\n"},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"[在线播放▶️](https://cdn.exa"},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{"content":"mple.net/20251125/9f8e7d6c.mp4)"},"finish_reason":null}]}

data: {"id":"chatcmpl-9b1d0c4e2f","object":"chat.completion.chunk","created":1764057600,"model":"sora-2","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

data: [DONE]


"""#

    static let d2 = #"""
id: 1
data: {"id": "foaicmpl-5e2b7c9d", "object": "chat.completion.chunk", "created": 1764057600, "model": "sora_video2-landscape", "choices": [{"index": 0, "delta": {"role": "assistant", "content": null}, "finish_reason": null}]}

id: 2
data: {"id": "foaicmpl-5e2b7c9d", "object": "chat.completion.chunk", "created": 1764057600, "model": "sora_video2-landscape", "choices": [{"index": 0, "delta": {"content": "```json\n{\n    \"prompt\": \"\u6b66\u6c49\u957f\u6c5f\u5927\u6865\u591c\u666f\u822a\u62cd\",\n    \"mode\": \"\u6a2a\u5c4f\u6a21\u5f0f\"\n}\n```\n\n"}, "finish_reason": null}]}

id: 3
data: {"id": "foaicmpl-5e2b7c9d", "object": "chat.completion.chunk", "created": 1764057600, "model": "sora_video2-landscape", "choices": [{"index": 0, "delta": {"content": "> \u231b\ufe0f \u4efb\u52a1\u6b63\u5728\u961f\u5217\u4e2d\uff0c\u8bf7\u8010\u5fc3\u7b49\u5f85...\n\n"}, "finish_reason": null}]}

: ping

id: 4
data: {"id": "foaicmpl-5e2b7c9d", "object": "chat.completion.chunk", "created": 1764057600, "model": "sora_video2-landscape", "choices": [{"index": 0, "delta": {"content": "> \ud83c\udfc3 \u8fdb\u5ea6\uff1a36.0%\n\n"}, "finish_reason": null}]}

id: 5
data: {"id": "foaicmpl-5e2b7c9d", "object": "chat.completion.chunk", "created": 1764057600, "model": "sora_video2-landscape", "choices": [{"index": 0, "delta": {"content": "> \ud83c\udfc3 \u8fdb\u5ea6\uff1a98.7%\n\n"}, "finish_reason": null}]}

: ping

id: 6
data: {"id": "foaicmpl-5e2b7c9d", "object": "chat.completion.chunk", "created": 1764057600, "model": "sora_video2-landscape", "choices": [{"index": 0, "delta": {"content": "> \u2705 \u89c6\u9891\u751f\u6210\u6210\u529f\uff0c[\u70b9\u51fb\u8fd9\u91cc](https://sora"}, "finish_reason": null}]}

id: 7
data: {"id": "foaicmpl-5e2b7c9d", "object": "chat.completion.chunk", "created": 1764057600, "model": "sora_video2-landscape", "choices": [{"index": 0, "delta": {"content": "-bucket.oss-cn-hongkong.aliyuncs.com/sora/3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f.mp4?Expires=1764144000&OSSAccessKeyId=LTAI5tExampleKey&Signature=ab"}, "finish_reason": null}]}

id: 8
data: {"id": "foaicmpl-5e2b7c9d", "object": "chat.completion.chunk", "created": 1764057600, "model": "sora_video2-landscape", "choices": [{"index": 0, "delta": {"content": "c%2Bdef%2Fgh%3D) \u67e5\u770b\u89c6\u9891~~~\n\n"}, "finish_reason": null}]}

id: 9
data: {"id": "foaicmpl-5e2b7c9d", "object": "chat.completion.chunk", "created": 1764057600, "model": "sora_video2-landscape", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 12, "completion_tokens": 180, "total_tokens": 192}}

id: 10
data: {"id": "foaicmpl-5e2b7c9d", "object": "chat.completion.chunk", "created": 1764057900, "model": "sora_video2-landscape", "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 180, "total_tokens": 192}}

data: [DONE]


"""#

    static let d3 = #"""
data: {"id": "", "object": "chat.completion.chunk", "created": 0, "model": "sora-2", "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": null}]}

data: {"id": "", "object": "chat.completion.chunk", "created": 0, "model": "sora-2", "choices": [{"index": 0, "delta": {"content": null, "reasoning_content": "**Generation Process Begins**\n\nInitializing generation request...\n"}, "finish_reason": null}]}

data: {"id": "", "object": "chat.completion.chunk", "created": 0, "model": "sora-2", "choices": [{"index": 0, "delta": {"content": null, "reasoning_content": "**Video Generation Progress**: 37% (processing)\n"}, "finish_reason": null}]}

data: {"id": "", "object": "chat.completion.chunk", "created": 0, "model": "sora-2", "choices": [{"index": 0, "delta": {"content": null, "reasoning_content": "**Video Generation Progress**: 81% (processing)\n"}, "finish_reason": null}]}

data: {"id": "", "object": "chat.completion.chunk", "created": 0, "model": "sora-2", "choices": [{"index": 0, "delta": {"content": null, "reasoning_content": "**Video Generation Completed**\n\nWatermark-free mode enabled, caching the video file...\n"}, "finish_reason": null}]}

data: {"id": "", "object": "chat.completion.chunk", "created": 0, "model": "sora-2", "choices": [{"index": 0, "delta": {"content": "```html\n<video src='https://sora2api.example.org/tmp/a1b2c3d4e5f6.mp4' controls></video>\n```"}, "finish_reason": "STOP", "native_finish_reason": "STOP"}]}

data: [DONE]


"""#

    static let d4 = #"""
data:{"id":"chatcmpl-d4","object":"chat.completion.chunk","created":1764057600,"model":"sora_video2","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

data:{"id":"chatcmpl-d4","object":"chat.completion.chunk","created":1764057600,"model":"sora_video2","choices":[{"index":0,"delta":{"content":"视频生成中...\n"},"finish_reason":null}]}

data:{"id":"chatcmpl-d4","object":"chat.completion.chunk","created":1764057600,"model":"sora_video2","choices":[{"index":0,"delta":{"content":"当前进度：12%\n"},"finish_reason":null}]}

data:{"id":"chatcmpl-d4","object":"chat.completion.chunk","created":1764057600,"model":"sora_video2","choices":[{"index":0,"delta":{"content":"进度：45%\n"},"finish_reason":null}]}

data:{"id":"chatcmpl-d4","object":"chat.completion.chunk","created":1764057600,"model":"sora_video2","choices":[{"index":0,"delta":{"content":"视频生成成功！[点击这里](https://sora-out.oss-us-west-1.aliyuncs.com/sora/7c9e4b1a-22"},"finish_reason":null}]}

data:{"id":"chatcmpl-d4","object":"chat.completion.chunk","created":1764057600,"model":"sora_video2","choices":[{"index":0,"delta":{"content":"f0-4d3e-8a9b-0c1d2e3f4a5b.mp4?Expires=1764144000\u0026OSSAccessKeyId=LTAI5tExampleKey\u0026Signature=k%2FZq%2Bx9%3D)\n"},"finish_reason":null}]}

data:{"id":"chatcmpl-d4","object":"chat.completion.chunk","created":1764057600,"model":"sora_video2","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}


"""#

}
