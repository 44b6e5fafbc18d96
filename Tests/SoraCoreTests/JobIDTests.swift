import Foundation
import Testing
@testable import SoraCore

@Suite struct JobIDTests {
    @Test func idsAreValidTimeSortableAndCarryTheirTime() {
        let t = Date(timeIntervalSince1970: 1_764_057_600.123)
        let a = JobID.make(now: t)
        let b = JobID.make(now: t.addingTimeInterval(0.002))
        #expect(JobID.isValid(a) && JobID.isValid(b))
        #expect(a.count == 26)
        #expect(a < b)
        #expect(abs(JobID.date(of: a)!.timeIntervalSince1970 - 1_764_057_600.123) < 0.001)
        #expect(JobID.timePrefix(t) <= a)
    }

    @Test func randomPartDiffersBetweenIdsOfTheSameMillisecond() {
        let t = Date()
        let ids = Set((0..<1000).map { _ in JobID.make(now: t) })
        #expect(ids.count == 1000)
    }

    @Test(arguments: ["", "../../etc/passwd", "01JZZZZZZZZZZZZZZZZZZZZZZZ", "01jzzzzzzzzzzzzzzzzzzzzzz", "01jzzzzzzzzzzzzzzzzzzzzzzzz",
                      "01jzzzzzzzzzzzzzzzzzzzzzzi", "01jzzzzzzzzzzzzzzzzzzzzz/z", "01jzzzzzzzzzzzzzzzzzzzzzz\u{0}"])
    func malformedIdsAreRejected(_ s: String) {
        #expect(!JobID.isValid(s))
    }
}
