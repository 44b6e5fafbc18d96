/// The compiled-in catalog: today's models at apiyi's prefixes, and the retired Sora 2 entries
/// (kept so their videos stay labelled in the library). Base URLs starting with `/` are paths on
/// the origin of `SORA_BASE_URL` (default `https://api.apiyi.com`), so one setting points every
/// dialect at a gateway — or at the simulator under `make run`.
///
/// Prices are estimates in USD; the server reserves them before submit and settles from the
/// upstream's reported usage. Sources (docs in ../shared/docs/video-task-apis.md):
/// - Seedance: Volcengine list price per million output tokens (46 CNY at 480p/720p, 51 at 1080p;
///   2.0 fast 37), as quoted in new-api PRs #5387/#6873 (§1.9), apiyi ≈ list + 10 % (§1.10),
///   at 7.1 CNY/USD.
/// - Wan 2.7: ≈ 0.60 CNY/s at 720P (laozhang's $0.1028/s at 1.2 × list, §2.8); 1080P is not
///   published for 2.7, taken as 1.0 CNY/s (wan 2.6 and 3.0 tiers scale by ≈ 1.5–2); + 10 %, 7.1 CNY/USD.
/// - Sora 2 (retired): apiyi's last per-call price, $0.12.
public enum BuiltinCatalog {
    static let seedanceRatios: [JSONScalar] = ["16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"]
    static let seedanceSource = "Volcengine list price 46/51 CNY per M tokens (2.0 fast: 37) + 10 % gateway margin, 7.1 CNY/USD"
    static let wanSource = "Wan 2.7 ≈ 0.60 CNY/s (720P) and ≈ 1.0 CNY/s (1080P, estimated) + 10 % gateway margin, 7.1 CNY/USD"
    static let asOf = "2026-11"

    static func seedanceParams(resolutions: [JSONScalar]) -> [ParamSpec] {
        [ParamSpec(name: "duration", kind: .int, min: 4, max: 15, default: 5, unit: "s"),
         ParamSpec(name: "resolution", kind: .enum, values: resolutions, default: "720p"),
         ParamSpec(name: "ratio", kind: .enum, values: seedanceRatios, default: "16:9", modes: [.textToVideo]),
         ParamSpec(name: "audio", kind: .bool, default: true),
         ParamSpec(name: "seed", kind: .int, min: -1, max: 4_294_967_295, default: -1, advanced: true)]
    }

    static func wanParams(ratio: Bool) -> [ParamSpec] {
        var p = [ParamSpec(name: "duration", kind: .int, min: 2, max: 15, default: 5, unit: "s"),
                 ParamSpec(name: "resolution", kind: .enum, values: ["720p", "1080p"], default: "720p")]
        if ratio { p.append(ParamSpec(name: "ratio", kind: .enum, values: ["16:9", "9:16", "1:1", "4:3", "3:4"], default: "16:9")) }
        p += [ParamSpec(name: "negative_prompt", kind: .string, default: "", maxLength: 500, advanced: true),
              ParamSpec(name: "prompt_extend", kind: .bool, default: true, advanced: true),
              ParamSpec(name: "seed", kind: .int, min: -1, max: 2_147_483_647, default: -1, advanced: true)]
        return p
    }

    static func sora(_ id: String, _ upstream: String, _ label: String, portrait: Bool, seconds: Int) -> VideoModel {
        VideoModel(id: id, upstreamModel: upstream, label: label, vendor: "OpenAI Sora 2", protocol: .chatStream,
                   baseURL: "/v1", modes: [.textToVideo, .imageToVideo],
                   price: .perCall(0.12, source: "apiyi per-call price before retirement", asOf: "2026-04"),
                   deadlineSeconds: 900, typicalSeconds: 240,
                   tags: ["Sora", portrait ? "portrait" : "landscape", "\(seconds)s"],
                   retired: true,
                   notice: "Retired: apiyi retired sora_video2* on 2026-04-26 and OpenAI closed Sora 2 on 2026-09-24.",
                   replacedBy: ["seedance-2-0", "wan-2-7-t2v"],
                   width: portrait ? 704 : 1280, height: portrait ? 1280 : 704, duration: seconds)
    }

    public static let catalog = ModelCatalog(models: [
        VideoModel(id: "seedance-2-0", upstreamModel: "doubao-seedance-2-0-260128", label: "Seedance 2.0",
                   vendor: "ByteDance Seedance", protocol: .arkTasks, baseURL: "/seedance/api/v3",
                   modes: [.textToVideo, .imageToVideo, .firstLastFrame],
                   params: seedanceParams(resolutions: ["480p", "720p", "1080p"]),
                   price: .perToken(["480p": 7.13, "720p": 7.13, "1080p": 7.90], fps: 24, source: seedanceSource, asOf: asOf),
                   deadlineSeconds: 2400, typicalSeconds: 300, tags: ["Seedance", "audio"]),
        VideoModel(id: "seedance-2-0-fast", upstreamModel: "doubao-seedance-2-0-fast-260128", label: "Seedance 2.0 Fast",
                   vendor: "ByteDance Seedance", protocol: .arkTasks, baseURL: "/seedance/api/v3",
                   modes: [.textToVideo, .imageToVideo, .firstLastFrame],
                   params: seedanceParams(resolutions: ["480p", "720p"]),
                   price: .perToken(["*": 5.73], fps: 24, source: seedanceSource, asOf: asOf),
                   deadlineSeconds: 1800, typicalSeconds: 150, tags: ["Seedance", "fast", "audio"]),
        VideoModel(id: "wan-2-7-t2v", upstreamModel: "wan2.7-t2v", label: "Wan 2.7 T2V", vendor: "Alibaba Wan",
                   protocol: .dashscopeTasks, baseURL: "/wan/api/v1", modes: [.textToVideo],
                   params: wanParams(ratio: true),
                   price: .perSecond(["720p": 0.093, "1080p": 0.155], source: wanSource, asOf: asOf),
                   deadlineSeconds: 2400, typicalSeconds: 300, tags: ["Wan"], options: ["image_input": "media"]),
        VideoModel(id: "wan-2-7-i2v", upstreamModel: "wan2.7-i2v", label: "Wan 2.7 I2V", vendor: "Alibaba Wan",
                   protocol: .dashscopeTasks, baseURL: "/wan/api/v1", modes: [.imageToVideo, .firstLastFrame],
                   params: wanParams(ratio: false),
                   price: .perSecond(["720p": 0.093, "1080p": 0.155], source: wanSource, asOf: asOf),
                   deadlineSeconds: 2400, typicalSeconds: 300, tags: ["Wan"], options: ["image_input": "media"]),
        VideoModel(id: "seedance-2-0-videos", upstreamModel: "doubao-seedance-2-0", label: "Seedance 2.0 (/v1/videos)",
                   vendor: "OpenAI-style gateway", protocol: .openaiVideos, baseURL: "/v1",
                   modes: [.textToVideo, .imageToVideo],
                   params: [ParamSpec(name: "duration", kind: .int, min: 4, max: 15, default: 5, unit: "s", wire: "seconds"),
                            ParamSpec(name: "ratio", kind: .enum, values: ["21:9", "16:9", "4:3", "1:1", "3:4", "9:16"],
                                      default: "16:9", wire: "size"),
                            ParamSpec(name: "resolution", kind: .enum, values: ["480p", "720p", "1080p"], default: "720p")],
                   price: .perToken(["480p": 7.13, "720p": 7.13, "1080p": 7.90], fps: 24,
                                    source: seedanceSource + " (the gateway's own price may differ)", asOf: asOf),
                   deadlineSeconds: 2400, typicalSeconds: 300, tags: ["Seedance", "OpenAI-style"],
                   options: ["image_input": "multipart"]),
        sora("sora-v2-portrait", "sora_video2", "Sora 2 · portrait 10 s", portrait: true, seconds: 10),
        sora("sora-v2-landscape", "sora_video2-landscape", "Sora 2 · landscape 10 s", portrait: false, seconds: 10),
        sora("sora-v2-portrait-15s", "sora_video2-15s", "Sora 2 · portrait 15 s", portrait: true, seconds: 15),
        sora("sora-v2-landscape-15s", "sora_video2-landscape-15s", "Sora 2 · landscape 15 s", portrait: false, seconds: 15),
    ])
}
