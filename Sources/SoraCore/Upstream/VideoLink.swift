#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A link found in the assembled text of a generation stream, with what the rule needs to know.
public struct LinkCandidate: Equatable, Sendable {
    /// Where in the text the link came from.
    public enum Source: String, Sendable {
        /// `[label](url)`.
        case markdown
        /// A Markdown image `![alt](url)` whose target is a video file (a poster image never is).
        case image
        /// The `src` attribute of a `<video>` or `<source>` tag.
        case videoTag = "video_tag"
        /// A bare `http(s)://` URL, only collected when no markdown link or video tag exists.
        case bare
    }

    /// The URL exactly as written (percent-escapes kept byte-for-byte).
    public let url: String
    /// The link text of a markdown link (alt text of an image), `"video"` for a video tag, nil for
    /// a bare URL.
    public let label: String?
    /// The syntax the link was found in.
    public let source: Source
    /// The label says the link is a preview or watermarked copy (`预览`, `preview`, `watermark`).
    public let isPreview: Bool
    /// The URL's path (query and fragment ignored) ends in `.mp4`, `.mov` or `.webm`.
    public let hasVideoExtension: Bool
    /// The label is one the gateways use for the video (`点击这里`, `在线播放`, `下载视频`, `video`…),
    /// or the candidate is a bare URL that makes up the whole text.
    public let hasVideoLabel: Bool
    /// A bare URL that is the entire text (a relay fork's final content is just the link).
    public let isWholeText: Bool

    /// Creates a candidate; the flags are derived from `url`, `label` and `isWholeText`.
    public init(url: String, label: String?, source: Source, isWholeText: Bool = false) {
        self.url = url
        self.label = label
        self.source = source
        self.isWholeText = isWholeText
        self.isPreview = label.map(VideoLinkExtractor.labelSaysPreview) ?? false
        self.hasVideoExtension = VideoLinkExtractor.hasVideoExtension(url)
        self.hasVideoLabel = isWholeText || (label.map(VideoLinkExtractor.labelSaysVideo) ?? false)
    }
}

/// Finds the video link in the assembled Markdown "task log" of a generation stream
/// (upstream-protocols.md A.6).
///
/// Rule: collect, in order of appearance, markdown links, markdown images whose target has a video
/// extension (`![poster](…/v.mp4)`, issue 7 §6; a `.webp` poster is never a candidate) and
/// `<video>`/`<source>` `src` attributes; only if there are none, bare `http(s)://` URLs. Drop
/// candidates whose label says preview. Take the last candidate whose path ends in a video
/// extension; else the last one whose label is a known video label; else there is no link.
///
/// Additions to A.6: text inside a fenced block whose info string is `json` (the gateway's echo of
/// the request, which may quote URLs from the user's prompt) is ignored; a bare URL that is the
/// whole text counts as labelled "video" (A.6 lists that form); for text that may be cut short
/// (`textIsComplete: false`) a link construct or bare URL running into the end of the text is
/// never a candidate, so a signed URL truncated by a dropped connection is not reported; a bare
/// URL ends at whitespace, quotes, `<`, `>`, a backtick or any non-ASCII character, and trailing
/// punctuation (`.,;:!?~*` and an unbalanced `)`) is not part of it. Markdown targets end at the
/// first unescaped `)` (or whitespace before a title); `\)`-style escapes are unescaped,
/// percent-escapes never are. In `src` attributes `&amp;` is decoded to `&`.
///
/// The stream reader applies the same rule incrementally (`LinkCollector`); these entry points run
/// a whole text through it.
public enum VideoLinkExtractor {
    /// All candidates in order (previews included, flagged), as the rule sees them.
    public static func candidates(in text: String) -> [LinkCandidate] {
        summary(of: text, textIsComplete: true, recording: true).candidates
    }

    /// The video link by the A.6 rule, or nil (`no_link`).
    /// - Parameter textIsComplete: false when the text may have been cut short (the stream broke):
    ///   constructs and bare URLs that run into the end of the text are then ignored.
    public static func videoLink(in text: String, textIsComplete: Bool = true) -> String? {
        summary(of: text, textIsComplete: textIsComplete, recording: false).finalChoice
    }

    /// A link that already qualifies by its extension (for persisting it the moment it appears),
    /// treating `text` as incomplete: an unterminated ```` ```json ```` block is ignored to its end.
    public static func videoLinkByExtension(in text: String) -> String? {
        summary(of: text, textIsComplete: false, recording: false).earlyLink
    }

    static func summary(of text: String, textIsComplete: Bool, recording: Bool) -> CandidateSummary {
        var channel = TextChannel(interpretsLines: false, recordsLinks: recording)
        var log = TaskLogState()
        var text = text
        text.withUTF8 { channel.append($0, log: &log) }
        channel.finish(textIsComplete: textIsComplete, log: &log)
        return channel.links.summary
    }

    // MARK: - Rule pieces

    static func hasVideoExtension(_ url: String) -> Bool {
        var path = Substring(url)
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<cut] }
        let lower = path.lowercased()
        return lower.hasSuffix(".mp4") || lower.hasSuffix(".mov") || lower.hasSuffix(".webm")
    }

    static func labelSaysPreview(_ label: String) -> Bool {
        let lower = label.lowercased()
        if lower.contains("预览") || lower.contains("preview") { return true }
        if lower.contains("watermark") {
            // "watermark-free" / "no watermark" name the clean copy, not a preview.
            let clean = ["watermark-free", "watermark free", "no watermark", "without watermark", "无水印", "去水印"]
            return !clean.contains { lower.contains($0) }
        }
        return false
    }

    static let videoLabels = ["点击这里", "在线播放", "下载视频", "查看视频", "播放", "下载", "视频",
                              "video", "download", "watch", "play"]

    static func labelSaysVideo(_ label: String) -> Bool {
        let lower = label.lowercased()
        return videoLabels.contains { lower.contains($0) }
    }
}
