/// Width and height of a clip, from a model's fixed size or its `size`, `resolution` and
/// `ratio` parameters (the rule of docs/contract.md §2, shared with the page).
public struct FrameSize: Codable, Sendable, Equatable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) { self.width = width; self.height = height }

    /// `1280x720` or `1280*720`.
    public static func parse(size: String) -> FrameSize? {
        let parts = size.lowercased().split(whereSeparator: { $0 == "x" || $0 == "*" })
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else { return nil }
        return FrameSize(width: w, height: h)
    }

    /// Short side from the resolution (`720p` → 720), long side from the ratio, rounded to 16 px;
    /// `adaptive` or no ratio counts as 16:9.
    public static func from(resolution: String, ratio: String?) -> FrameSize? {
        guard let short = Int(resolution.lowercased().replacing("p", with: "")), short > 0 else { return nil }
        var a = 16, b = 9
        if let ratio, ratio != "adaptive" {
            let p = ratio.split(separator: ":")
            guard p.count == 2, let x = Int(p[0]), let y = Int(p[1]), x > 0, y > 0 else { return nil }
            a = x; b = y
        }
        let long = Int((Double(short) * Double(max(a, b)) / Double(min(a, b)) / 16).rounded()) * 16
        return a >= b ? FrameSize(width: long, height: short) : FrameSize(width: short, height: long)
    }
}
