/// One library request (`GET /api/jobs`, docs/contract.md §6): filters, search and paging.
public struct LibraryQuery: Sendable, Equatable {
    public var status: JobState?
    public var model: String?
    /// Search text, lower-cased: a piece of the prompt, or the start of a job id.
    public var text: String?
    /// The last id of the previous page: this page starts after it.
    public var before: String?
    public var limit: Int

    public init(status: JobState? = nil, model: String? = nil, text: String? = nil, before: String? = nil, limit: Int = 50) {
        self.status = status; self.model = model; self.text = text?.lowercased(); self.before = before; self.limit = limit
    }

    /// A search counts its matches up to this many; past it `total` is this and `capped` is set.
    /// Counting every match of a common word was most of a search's time (half of 100,000
    /// prompts: ~30 ms). Counts without a search come from per-status-and-model totals: exact.
    public static let countCap = 1000

    /// Whether a job belongs in the answer (`before` aside).
    public func matches(_ doc: StatusDocument) -> Bool {
        if let status, doc.status != status { return false }
        if let model, doc.model != model { return false }
        if let text, !doc.origPrompt.lowercased().contains(text), !doc.taskID.hasPrefix(text) { return false }
        return true
    }

    /// The answer from the status files alone, reading every one: what a reader does while the
    /// index is being rebuilt elsewhere.
    public func scan(_ spool: Spool) -> LibraryPage {
        var page = LibraryPage(ids: [], total: 0, more: false)
        for id in spool.allJobIDs() {
            guard let doc = spool.readStatus(id), matches(doc) else { continue }
            page.total += 1
            guard before.map({ id < $0 }) ?? true else { continue }
            if page.ids.count == limit { page.more = true } else { page.ids.append(id) }
        }
        return capping(page)  // the same answer as the index's
    }

    /// `page` with a search's count stopped at `countCap`.
    func capping(_ page: LibraryPage) -> LibraryPage {
        guard text != nil, page.total > Self.countCap else { return page }
        var p = page
        p.total = Self.countCap
        p.capped = true
        return p
    }
}

/// A page of job ids, newest first, and how many jobs match in all.
public struct LibraryPage: Sendable, Equatable {
    public var ids: [String]
    /// Jobs matching the filters and search, on every page; at most `LibraryQuery.countCap` with a search.
    public var total: Int
    /// More jobs follow the last id (which is then the next page's `before`).
    public var more: Bool
    /// More than `total` jobs match a search: it counted no further.
    public var capped = false
}
