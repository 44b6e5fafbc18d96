#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// What the A.6 rule needs to know about the candidates seen so far, in constant space: for
/// "structured" candidates (Markdown links, Markdown images of a video, video tags) and for bare
/// URLs, how many there were and the last one that qualifies by extension and by label.
struct CandidateSummary: Sendable {
    /// One kind of candidate.
    struct Picks: Sendable {
        var count = 0
        var last: String?
        /// The last non-preview candidate whose path ends in a video extension.
        var lastByExtension: String?
        /// The last non-preview candidate whose label is a known video label.
        var lastByLabel: String?

        mutating func add(_ candidate: LinkCandidate) {
            count += 1
            last = candidate.url
            guard !candidate.isPreview else { return }
            if candidate.hasVideoExtension { lastByExtension = candidate.url }
            if candidate.hasVideoLabel { lastByLabel = candidate.url }
        }

        /// Adds the picks of text that came after this one.
        mutating func append(_ later: Picks) {
            count += later.count
            last = later.last ?? last
            lastByExtension = later.lastByExtension ?? lastByExtension
            lastByLabel = later.lastByLabel ?? lastByLabel
        }

        /// A.6: the last candidate with a video extension, else the last with a video label.
        var choice: String? { lastByExtension ?? lastByLabel }
    }

    var structured = Picks()
    var bare = Picks()
    /// Visible text other than whitespace lies outside bare URLs.
    var hasOtherText = false
    /// Every candidate in order, kept only when recording (diagnostics and tests).
    var recordedStructured: [LinkCandidate]?
    var recordedBare: [LinkCandidate]?

    /// Bare URLs only count when there is no structured candidate.
    private var active: Picks { structured.count > 0 ? structured : bare }

    /// The link by the rule over the text seen so far (it can still change).
    var streamingChoice: String? { active.choice }
    /// A link that already qualifies by its extension: safe to persist at once.
    var earlyLink: String? { active.lastByExtension }
    /// The text is one bare URL and whitespace (a relay fork's final content is just the link).
    var isWholeTextURL: Bool { structured.count == 0 && bare.count == 1 && !hasOtherText }
    /// The link once the text has ended: a bare URL that is the whole text counts as the video.
    var finalChoice: String? { isWholeTextURL ? bare.last : streamingChoice }

    /// The recorded candidates as the rule sees them (structured if any, else bare).
    var candidates: [LinkCandidate] {
        let structuredList = recordedStructured ?? []
        if !structuredList.isEmpty { return structuredList }
        let bareList = recordedBare ?? []
        if isWholeTextURL, let only = bareList.first {
            return [LinkCandidate(url: only.url, label: nil, source: .bare, isWholeText: true)]
        }
        return bareList
    }

    mutating func add(_ span: LinkSpan, in text: Bytes) {
        guard let url = span.url else { return }
        let label = span.label.map { text.view($0).string.trimmed }
        let candidate: LinkCandidate
        switch span.kind {
        case .markdown:
            candidate = LinkCandidate(url: url, label: label ?? "", source: .markdown)
        case .image:
            // A poster image is not the video, but an image syntax around a video file is (issue 7 §6).
            candidate = LinkCandidate(url: url, label: label ?? "", source: .image)
            guard candidate.hasVideoExtension else { return }
        case .videoTag:
            candidate = LinkCandidate(url: url, label: "video", source: .videoTag)
        case .bare:
            candidate = LinkCandidate(url: url, label: nil, source: .bare)
            bare.add(candidate)
            recordedBare?.append(candidate)
            return
        }
        structured.add(candidate)
        recordedStructured?.append(candidate)
    }

    /// Adds the summary of text that came after this one.
    mutating func append(_ later: CandidateSummary) {
        structured.append(later.structured)
        bare.append(later.bare)
        hasOtherText = hasOtherText || later.hasOtherText
        if let list = later.recordedStructured { recordedStructured?.append(contentsOf: list) }
        if let list = later.recordedBare { recordedBare?.append(contentsOf: list) }
    }
}
