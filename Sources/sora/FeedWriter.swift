import CSpawn
import Glibc
import SoraCore

/// Writes the change feed for a FastCGI responder, on a thread of its own, at most once per
/// `pause`. After every answer the responder only pokes it. Writing the feed after each answer
/// was 8 % of a submit's CPU in a burst (`perf`): each write reads the feed and renames a new
/// file into place, for one or two new events. Now a write takes every event of its `pause`.
final class FeedWriter: @unchecked Sendable {  // its descriptors are set once; the pipe orders the rest
    private let feed: Feed
    private let pause: useconds_t
    private var pipe: [Int32] = [-1, -1]
    private var thread: BackgroundThread?

    /// Nil when no pipe or thread could be made: the caller then writes after each answer itself.
    init?(feed: Feed, pause: useconds_t = 50_000) {
        self.feed = feed
        self.pause = pause
        guard sora_pipe_cloexec(&pipe) == 0 else { return nil }
        // Pokes never block the responder: a full pipe already says "write".
        _ = fcntl(pipe[1], F_SETFL, fcntl(pipe[1], F_GETFL) | O_NONBLOCK)
        thread = BackgroundThread { [self] in run() }
        if thread == nil { close(pipe[0]); close(pipe[1]); return nil }
    }

    /// Some event may be waiting: write within `pause`.
    func poke() {
        var one: UInt8 = 1
        _ = write(pipe[1], &one, 1)
    }

    /// Writes what is still waiting and ends the thread (the responder is stopping).
    func stop() {
        close(pipe[1])
        thread?.join()
        close(pipe[0])
    }

    private func run() {
        // Signals go to the main thread: libfcgi's SIGTERM handler must interrupt its accept.
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, nil)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }  // the write end is closed: the responder is stopping
            usleep(pause)  // pokes meanwhile are covered by this write; the next read returns them
            feed.writePending()
        }
        feed.writePending()
    }
}
