import Foundation
import Testing
@testable import SoraCore

/// The library index: kept current by every status change, rebuilt from the status files when
/// missing, damaged or stale, and giving the same answers as reading every status file.
@Suite struct LibraryIndexTests {
    /// Makes a job through `createJob`, as the API does.
    @discardableResult
    func make(_ s: Spool, _ prompt: String, model: String = "seedance-2-0", id: String = JobID.make()) throws -> String {
        let now = Date()
        let req = JobRequest(taskID: id, model: model, upstreamModel: "up", protocol: .arkTasks, baseURL: "https://gw.example/v3",
                             apiKeyEnv: "SORA_API_KEY", prompt: prompt, mode: .textToVideo, params: [:], priceUSD: 0.5,
                             deadlineSeconds: 1800, createdAt: now)
        let doc = StatusDocument(seq: 1, taskID: id, status: .queued, phase: .queued, model: model, upstreamModel: "up",
                                 protocol: .arkTasks, mode: .textToVideo, params: [:], duration: 5, width: 1280, height: 720,
                                 origPrompt: prompt, statusURL: "/status/\(id).json", priceUSD: 0.5, createdAt: now)
        _ = try s.createJob(request: req, frames: [], status: doc, idempotencyKey: nil, bodyHash: "h")
        return id
    }

    func finish(_ s: Spool, _ id: String, _ end: JobState) throws {
        let t = Date()
        if end == .queued { return }
        if end == .cancelled { try s.transition(id, to: .cancelled, now: t) { $0.phase = .cancelled }; return }
        try s.transition(id, to: .generating, now: t) { $0.phase = .generating; $0.progress = 50 }
        if end == .failed { try s.transition(id, to: .failed, now: t) { $0.phase = .failed; $0.costUSD = 0.5 }; return }
        try s.transition(id, to: .transferring, now: t) { $0.phase = .downloading }
        try s.transition(id, to: .succeeded, now: t) { $0.phase = .done; $0.costUSD = 0.5 }
    }

    /// A small library: statuses, models, English and Chinese prompts, a quote.
    func library(_ s: Spool) throws -> [String] {
        let prompts = ["A red fox in fresh snow", "Blue whale under the ice", "red panda eating bamboo", "一只红色的狐狸在雪中奔跑",
                       "城市夜景 neon rain", "Say \"cheese\" to the camera", "slow motion RED balloon", "狐狸和猫"]
        var ids: [String] = []
        for (i, p) in prompts.enumerated() {
            let id = try make(s, p, model: i % 3 == 0 ? "wan-2-7-t2v" : "seedance-2-0")
            try finish(s, id, [.succeeded, .failed, .cancelled, .queued][i % 4])
            ids.append(id)
            usleep(1500)  // distinct milliseconds, so creation order is id order
        }
        return ids
    }

    /// Queries covering every filter and each search path (trigram phrase, widened pair, scan, id prefix).
    func queries(_ ids: [String]) -> [LibraryQuery] {
        var q: [LibraryQuery] = [LibraryQuery(), LibraryQuery(limit: 3), LibraryQuery(before: ids[5], limit: 2),
                                 LibraryQuery(status: .failed), LibraryQuery(status: .succeeded, model: "seedance-2-0"),
                                 LibraryQuery(model: "wan-2-7-t2v", limit: 1)]
        for text in ["red", "RED", "fox", "狐狸", "奔跑", "红色的", "猫", "r", "ra", "\"cheese\"", "zzz", "雪", "e", "na"] {
            q.append(LibraryQuery(text: text))
            q.append(LibraryQuery(status: .succeeded, text: text, limit: 1))
        }
        q.append(LibraryQuery(text: String(ids[3].prefix(22))))
        q.append(LibraryQuery(text: String(ids[3].prefix(22)).uppercased()))
        q.append(LibraryQuery(text: String(ids[0].prefix(4))))
        return q
    }

    func inode(_ path: String) -> UInt64? {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : nil
    }

    @Test func answersEqualReadingEveryStatusFile() throws {
        let s = try tempSpool()
        let ids = try library(s)
        s.index.repair()  // builds it
        for q in queries(ids) {
            let indexed = try #require(s.index.page(q))
            #expect(indexed == q.scan(s), "\(q)")
        }
        #expect(s.index.page(LibraryQuery(text: "red"))?.total == 3)
        #expect(s.index.page(LibraryQuery(text: "狐狸"))?.total == 2)
        #expect(s.index.page(LibraryQuery(text: String(ids[3].prefix(22))))?.ids == [ids[3]])
    }

    @Test func aSearchCountsUpToTheCapAndSaysSo() throws {
        let s = try tempSpool()
        // Status files written straight (no job directories): 1,100 lanterns, half of them failed, and 101 others.
        let now = Date()
        for i in 0..<1201 {
            let id = JobID.make(), state: JobState = i % 2 == 0 ? .succeeded : .failed
            try s.writeStatus(StatusDocument(seq: 3, taskID: id, status: state, phase: state == .failed ? .failed : .done, model: "seedance-2-0",
                                             upstreamModel: "up", protocol: .arkTasks, mode: .textToVideo, params: [:], duration: 5, width: 1280,
                                             height: 720, origPrompt: i < 1100 ? "paper lantern \(i)" : "quiet sea \(i)",
                                             statusURL: "/status/\(id).json", priceUSD: 0.5, createdAt: now))
        }
        try s.index.rebuild()
        let prefix = String(try #require(s.allJobIDs().first).prefix(3))  // every id shares its time prefix: the id-range count
        for q in [LibraryQuery(text: "lantern"), LibraryQuery(model: "seedance-2-0", text: "lantern"), LibraryQuery(text: prefix), LibraryQuery(text: "l")] {
            let page = try #require(s.index.page(q))
            #expect(page.total == LibraryQuery.countCap && page.capped && page.ids.count == 50, "\(q)")
            #expect(page == q.scan(s), "\(q)")
        }
        for (q, n) in [(LibraryQuery(status: .failed, text: "lantern"), 550), (LibraryQuery(text: "quiet"), 101), (LibraryQuery(), 1201),
                       (LibraryQuery(status: .failed), 600)] {
            let page = try #require(s.index.page(q))
            #expect(page.total == n && !page.capped, "\(q)")
            #expect(page == q.scan(s), "\(q)")
        }
        let router = makeRouter(testConfig(s), s)
        let capped = JSONValue.parse(router.handle(APIRequest(method: "GET", path: "/api/jobs", query: "q=lantern")).body)
        #expect(capped?.at("total")?.number == 1000 && capped?.at("total_capped") == .bool(true))
        let exact = JSONValue.parse(router.handle(APIRequest(method: "GET", path: "/api/jobs", query: "q=quiet")).body)
        #expect(exact?.at("total")?.number == 101 && exact?.at("total_capped") == .bool(false))
    }

    @Test func createTransitionAndDeleteKeepTheIndexCurrentWithoutARebuild() throws {
        let s = try tempSpool()
        try s.index.rebuild()
        let built = inode(s.index.path)
        let a = try make(s, "first job"), b = try make(s, "second job")
        #expect(s.index.page(LibraryQuery())?.ids == [b, a])
        try finish(s, a, .failed)
        #expect(s.index.page(LibraryQuery(status: .failed))?.ids == [a])
        #expect(s.index.page(LibraryQuery(status: .queued))?.ids == [b])
        s.deleteJob(a)
        #expect(s.index.page(LibraryQuery())?.ids == [b])
        #expect(s.index.page(LibraryQuery(text: "first"))?.total == 0)
        #expect(inode(s.index.path) == built)  // the same file: every change above was a write, not a rebuild
        #expect(!FileIO.exists(s.index.stalePath))
    }

    @Test func anOlderDocumentLandingLateDoesNotUndoANewerOne() throws {
        let s = try tempSpool()
        try s.index.rebuild()
        let id = try make(s, "race")
        let queued = try #require(s.readStatus(id))
        try finish(s, id, .failed)
        s.index.record(queued)  // a slow writer of seq 1 after the worker wrote seq 3
        #expect(s.index.page(LibraryQuery(status: .failed))?.ids == [id])
    }

    @Test func aDeletedIndexIsRebuiltWithTheSameListing() throws {
        let s = try tempSpool()
        let ids = try library(s)
        try s.index.rebuild()
        let before = queries(ids).map { s.index.page($0) }
        for suffix in ["", "-wal", "-shm"] { unlink(s.index.path + suffix) }
        #expect(s.index.page(LibraryQuery()) == nil)  // the status files answer meanwhile
        s.index.repair()  // the reaper's pass
        #expect(queries(ids).map { s.index.page($0) } == before)
        unlink(s.index.path)
        #expect(try s.index.rebuild() == ids.count)  // `sora reindex`
        #expect(queries(ids).map { s.index.page($0) } == before)
    }

    @Test func aDamagedIndexIsRebuiltOnFirstUse() throws {
        let s = try tempSpool()
        let ids = try library(s)
        try s.index.rebuild()
        let expected = s.index.page(LibraryQuery())
        for suffix in ["-wal", "-shm"] { unlink(s.index.path + suffix) }
        try FileIO.writeAtomically(Array(repeating: UInt8(ascii: "x"), count: 8192), to: s.index.path)
        #expect(s.index.page(LibraryQuery()) == nil)
        #expect(String(decoding: FileIO.read(s.eventsLog) ?? [], as: UTF8.self).contains("index_read_failed"))
        s.index.repair()
        #expect(s.index.page(LibraryQuery()) == expected)
        #expect(expected?.ids.count == ids.count)
    }

    @Test func aStaleMarkOrAnotherBootOrSchemaMeansARebuild() throws {
        let s = try tempSpool()
        let id = try make(s, "lost write")
        try s.index.rebuild()
        // A write that failed: the row is wrong and the index is marked stale. It still answers
        // (the row lags) until the reaper's pass rebuilds it.
        try #require(try s.index.connect()).execute("UPDATE jobs SET status = 'succeeded'")
        try FileIO.touch(s.index.stalePath)
        #expect(s.index.page(LibraryQuery(status: .queued))?.ids == [])
        s.index.repair()
        #expect(s.index.page(LibraryQuery(status: .queued))?.ids == [id])
        #expect(!FileIO.exists(s.index.stalePath))
        // Built before the last boot (writes skip fsync): answers, and is rebuilt by the reaper.
        try #require(try s.index.connect()).execute("UPDATE meta SET boot = 'earlier'; UPDATE jobs SET status = 'succeeded'")
        #expect(s.index.page(LibraryQuery(status: .queued))?.ids == [])
        s.index.repair()
        #expect(s.index.page(LibraryQuery(status: .queued))?.ids == [id])
        // Another schema: not read at all.
        try #require(try s.index.connect()).execute("UPDATE meta SET version = 0")
        #expect(s.index.page(LibraryQuery(status: .queued)) == nil)
        s.index.repair()
        #expect(s.index.page(LibraryQuery(status: .queued))?.ids == [id])
    }

    @Test func writersNeverCreateTheIndex() throws {
        let s = try tempSpool()
        let id = try make(s, "no index yet")
        try finish(s, id, .succeeded)
        #expect(!FileIO.exists(s.index.path))
        s.index.repair()
        #expect(s.index.page(LibraryQuery(status: .succeeded))?.ids == [id])
    }

    @Test func withoutAnIndexTheListingReadsTheStatusFiles() throws {
        let s = try tempSpool()
        let ids = try library(s)  // no index yet
        let router = makeRouter(testConfig(s), s)
        let rebuilding = try #require(IndexLock.take(s.index.buildLockPath, .exclusive, wait: false))
        s.index.repair()  // a second rebuild does not start; nothing waits for the first
        #expect(s.index.page(LibraryQuery()) == nil)
        let answer = JSONValue.parse(router.handle(APIRequest(method: "GET", path: "/api/jobs", query: "status=failed")).body)
        #expect(answer?.at("total")?.number == 2 && answer?.at("jobs.0.task_id")?.string == ids[5])
        rebuilding.release()
        s.index.repair()
        #expect(s.index.page(LibraryQuery(status: .failed))?.ids == [ids[5], ids[1]])
    }

    @Test func jobsChangedWhileARebuildReadsTheFilesAreCaughtUp() throws {
        let s = try tempSpool()
        let ids = try library(s)
        try s.index.rebuild()
        var added: String?
        _ = try s.index.rebuild(wait: true) {
            // Writers go on with the old file while the new one is built.
            added = try? make(s, "made during the rebuild")
            _ = try? s.transition(ids[3], to: .generating, now: Date()) { $0.phase = .generating }
            s.deleteJob(ids[0])
        }
        for q in queries(ids) + [LibraryQuery(text: "during the rebuild"), LibraryQuery(status: .generating)] {
            #expect(s.index.page(q) == q.scan(s), "\(q)")
        }
        #expect(s.index.page(LibraryQuery(status: .generating))?.ids == [ids[3]])
        #expect(s.index.page(LibraryQuery(text: "during"))?.ids == [try #require(added)])
    }

    @Test func aRowWhoseStatusFileIsGoneLeavesTheListing() throws {
        let s = try tempSpool()
        let a = try make(s, "kept"), b = try make(s, "deleted by a process killed half-way")
        try s.index.rebuild()
        unlink(s.statusPath(b))
        let router = makeRouter(testConfig(s), s)
        let first = JSONValue.parse(router.handle(APIRequest(method: "GET", path: "/api/jobs")).body)
        #expect(first?.at("jobs.0.task_id")?.string == a)
        #expect(s.index.page(LibraryQuery())?.ids == [a])
    }

    @Test func theReaperRepairsARowLeftBehindByAKilledWriter() throws {
        let s = try tempSpool()
        let id = try make(s, "killed between the status file and its row")
        try s.index.rebuild()
        var doc = try #require(s.readStatus(id))
        doc.seq += 1; doc.status = .failed; doc.phase = .failed
        try s.writeStatus(doc)  // the file moved on, the row did not
        #expect(s.index.page(LibraryQuery(status: .failed))?.total == 0)
        s.index.repair()
        #expect(s.index.page(LibraryQuery(status: .failed))?.ids == [id])
    }

    @Test func idsSharingAPositionAreBothKeptInOrder() throws {
        let s = try tempSpool()
        let base = JobID.make()
        let a = String(base.prefix(14)) + "000000000000", b = String(base.prefix(14)) + "zzzzzzzzzzzz"
        #expect(IndexRow.position(for: a) == IndexRow.position(for: b))
        try s.index.rebuild()
        try make(s, "second", id: b)
        try make(s, "first", id: a)
        #expect(s.index.page(LibraryQuery())?.ids.count == 2)
        #expect(s.index.page(LibraryQuery(text: "first"))?.ids == [a])
        #expect(IndexRow.position(for: JobID.make(now: Date(timeIntervalSince1970: 1))) < IndexRow.position(for: base))
    }

    @Test func concurrentWritersLoseNothing() async throws {
        let s = try tempSpool()
        try s.index.rebuild()
        let made = try await withThrowingTaskGroup(of: [String].self) { group in
            for w in 0..<6 {
                group.addTask {
                    var ids: [String] = []
                    for i in 0..<15 {
                        let id = try make(s, "writer \(w) job \(i)")
                        try finish(s, id, [.succeeded, .failed, .cancelled][i % 3])
                        ids.append(id)
                    }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        for q in [LibraryQuery(limit: 200), LibraryQuery(status: .failed, limit: 200), LibraryQuery(text: "writer 3", limit: 200)] {
            #expect(s.index.page(q) == q.scan(s))
        }
        #expect(s.index.page(LibraryQuery())?.total == made.count)
        #expect(!String(decoding: FileIO.read(s.eventsLog) ?? [], as: UTF8.self).contains("index_write_failed"))
    }

    /// What a worker does (LibraryIndex+Notes.swift): its status file, then a note, no row.
    func workerFails(_ s: Spool, _ id: String) throws {
        var doc = try #require(s.readStatus(id))
        doc.status = .failed; doc.phase = .failed; doc.seq += 1
        try s.writeStatus(doc)
        s.index.note(id)
    }

    func notes(_ s: Spool) -> [String] { FileIO.list(s.index.notesDir).sorted() }

    @Test func aWorkersNotesAreWrittenByTheNextRead() throws {
        let s = try tempSpool()
        try s.index.rebuild()
        let a = try make(s, "noted"), b = try make(s, "untouched")
        try workerFails(s, a)
        #expect(notes(s) == [a])
        #expect(s.index.page(LibraryQuery(status: .failed))?.ids == [a])  // the row was behind until this read
        #expect(s.index.page(LibraryQuery(status: .queued))?.ids == [b])
        #expect(notes(s).isEmpty)
        s.deleteJob(a)  // a note for a job whose status file is gone drops its row
        s.index.note(a)
        #expect(s.index.page(LibraryQuery())?.ids == [b])
        #expect(notes(s).isEmpty && !FileIO.exists(s.index.stalePath))
    }

    @Test func anotherReadersClaimIsLeftAloneUntilAbandoned() throws {
        let s = try tempSpool()
        try s.index.rebuild()
        let a = try make(s, "claimed")
        try workerFails(s, a)
        let claim = "\(s.index.notesDir)/.\(a).999999"
        #expect(rename("\(s.index.notesDir)/\(a)", claim) == 0)  // a reader busy with it (or dead)
        #expect(s.index.page(LibraryQuery(status: .failed))?.ids == [])
        #expect(FileIO.exists(claim))
        _ = s.index.read { db in s.index.catchUp(db, abandonedAfter: 0) }  // a minute later
        #expect(s.index.page(LibraryQuery(status: .failed))?.ids == [a])
        #expect(notes(s).isEmpty)
    }

    @Test func notesBeforeTheIndexExistsWaitForIt() throws {
        let s = try tempSpool()
        let a = try make(s, "early")
        try workerFails(s, a)
        #expect(s.index.page(LibraryQuery()) == nil && notes(s) == [a])  // no index: the files answer
        try s.index.rebuild()
        #expect(s.index.page(LibraryQuery(status: .failed))?.ids == [a])
        #expect(notes(s).isEmpty)
    }
}
