import Testing
@testable import SoraCore

@Suite("VideoLinkExtractor")
struct VideoLinkTests {
    private func link(_ text: String) -> String? { VideoLinkExtractor.videoLink(in: text) }

    @Test func seedPlanFormClickHere() {
        #expect(link("视频生成成功！[点击这里](https://cdn.example.net/a/b.mp4)") == "https://cdn.example.net/a/b.mp4")
    }

    @Test func clickHereFollowedByViewVideoTildes() {
        #expect(link("> ✅ 视频生成成功，[点击这里](https://x.example/sora/1.mp4) 查看视频~~~\n\n") == "https://x.example/sora/1.mp4")
    }

    @Test func downloadVideoLabel() {
        let url = "https://sora-out.oss-us-west-1.aliyuncs.com/sora/0c5d8a1e-3b4f-4a2c-9d7e-6f5a4b3c2d1e.mp4"
        #expect(link("[下载视频](\(url))") == url)
    }

    @Test func knownLabelWithoutExtensionIsTakenWhenNoLinkHasOne() {
        #expect(link("[下载视频](https://files.example/download?id=42)") == "https://files.example/download?id=42")
        #expect(link("[在线播放▶️](https://play.example/v/42)") == "https://play.example/v/42")
        #expect(link("[原始数据](https://sora.example.net/source/task_1)") == nil)
    }

    @Test func extensionBeatsLabelAndTheLastCandidateWins() {
        let text = "[下载视频](https://files.example/dl?id=1)\n[点击这里](https://a.example/1.mp4)\n[x](https://a.example/2.mov)\n[下载视频](https://files.example/dl?id=2)"
        #expect(link(text) == "https://a.example/2.mov")
    }

    @Test func posterImageWhoseAltTextIsAURLIsNeverPicked() {
        let poster = "![https://cdn.example.net/p.mp4](https://cdn.example.net/p.webp)"
        #expect(link(poster) == nil)
        #expect(VideoLinkExtractor.candidates(in: poster).isEmpty)
        #expect(link(poster + "\n[在线播放▶️](https://cdn.example.net/v.mp4)") == "https://cdn.example.net/v.mp4")
    }

    @Test func markdownImageWhoseTargetIsAVideoIsTheLink() {
        // Issue 7 §6: `![poster](…/v.mp4)` names the video; only a poster *image* is never picked.
        #expect(link("![poster](https://c.example/v.mp4)") == "https://c.example/v.mp4")
        #expect(VideoLinkExtractor.candidates(in: "![poster](https://c.example/v.mp4)").map(\.source) == [.image])
        let d1Like = "> 生成完成 ✅\n![https://cdn.example.net/p.webp](https://cdn.example.net/p.webp)\n![poster](https://cdn.example.net/v/9f8e.mp4)"
        #expect(link(d1Like) == "https://cdn.example.net/v/9f8e.mp4")
        #expect(link("![poster](https://c.example/v.mp4) [下载视频](https://c.example/dl?id=1)") == "https://c.example/v.mp4")
        #expect(link("![预览](https://c.example/p.mp4)") == nil)
        #expect(link("![poster](https://c.example/v.mp4) see https://c.example/bare.mp4") == "https://c.example/v.mp4")
    }

    @Test func linkWrappingAnImageIsALink() {
        #expect(link("[![poster](https://c.example/p.webp)](https://c.example/v.mp4)") == "https://c.example/v.mp4")
    }

    @Test func previewPagesAndWatermarkedCopiesAreDropped() {
        #expect(link("[数据预览](https://h.example/web/t.mp4) [原始数据](https://h.example/source/t)") == nil)
        #expect(link("[Preview](https://h.example/p.mp4)\n[Watermarked copy](https://h.example/w.mp4)") == nil)
        #expect(link("[预览](https://a.example/p.mp4) [下载视频](https://a.example/v.mp4) [预览](https://a.example/p2.mp4)") == "https://a.example/v.mp4")
        #expect(link("[无水印下载](https://a.example/clean.mp4)") == "https://a.example/clean.mp4")
        #expect(link("[watermark-free video](https://a.example/clean.mp4)") == "https://a.example/clean.mp4")
    }

    @Test func videoTagWithSingleQuotes() {
        let text = "```html\n<video src='https://sora2api.example.org/tmp/a1.mp4' controls></video>\n```"
        #expect(link(text) == "https://sora2api.example.org/tmp/a1.mp4")
    }

    @Test func videoTagVariants() {
        #expect(link("<video controls src=\"https://v.example/a.webm\"></video>") == "https://v.example/a.webm")
        #expect(link("<VIDEO src=https://v.example/a.mp4 controls>") == "https://v.example/a.mp4")
        #expect(link("<video controls><source src='https://v.example/s.mp4' type='video/mp4'></video>") == "https://v.example/s.mp4")
        #expect(link("<video poster='https://v.example/p.webp' src='https://v.example/stream?id=7&amp;sig=x'>") == "https://v.example/stream?id=7&sig=x")
    }

    @Test func bareURLIsUsedOnlyWhenNoMarkdownLinkOrVideoTagExists() {
        #expect(link("视频地址：https://cdn.example.net/v.mp4 请尽快下载") == "https://cdn.example.net/v.mp4")
        #expect(link("[原始数据](https://h.example/source/t) https://cdn.example.net/v.mp4") == nil)
        let candidates = VideoLinkExtractor.candidates(in: "a https://x.example/1.mp4 b https://x.example/2.png")
        #expect(candidates.map(\.source) == [.bare, .bare])
        #expect(candidates.map(\.url) == ["https://x.example/1.mp4", "https://x.example/2.png"])
    }

    @Test(arguments: [")", "。", "，", "~", "\"", "'", ">", "<", ".", ",", "!", "~~~", "）", "**"])
    func trailingPunctuationIsNotPartOfABareURL(_ tail: String) {
        #expect(link("视频：https://cdn.example.net/v.mp4\(tail) 完成") == "https://cdn.example.net/v.mp4")
    }

    @Test func balancedParenthesesStayInABareURL() {
        #expect(link("(see https://cdn.example.net/v_(1).mp4)") == "https://cdn.example.net/v_(1).mp4")
    }

    @Test func wholeTextBeingOneURLCountsAsTheVideo() {
        #expect(link("  https://drive.example.com/uc?id=1AbC&export=download\n") == "https://drive.example.com/uc?id=1AbC&export=download")
    }

    @Test func signedQueryStringIsKeptByteForByte() {
        let url = "https://b.oss-cn-hongkong.aliyuncs.com/sora/u.mp4?Expires=1764144000&OSSAccessKeyId=LTAI5t&Signature=a%2Bb%2Fc%3D"
        #expect(link("[点击这里](\(url)) 查看视频~~~") == url)
        #expect(link("视频：\(url)") == url)
        #expect(link("<video src='\(url)'></video>") == url)
    }

    @Test func markdownTargetEndsAtTheFirstUnescapedParenthesis() {
        #expect(link("[点击这里](https://a.example/v%29x.mp4)") == "https://a.example/v%29x.mp4")
        #expect(link("[点击这里](https://a.example/v.mp4)trailing)") == "https://a.example/v.mp4")
        #expect(link(#"[点击这里](https://a.example/v\)x.mp4)"#) == "https://a.example/v)x.mp4")
        #expect(link(#"[下载视频](https://a.example/v.mp4 "标题")"#) == "https://a.example/v.mp4")
        #expect(link("[下载视频](<https://a.example/v.mp4>)") == "https://a.example/v.mp4")
    }

    @Test func extensionIsJudgedOnThePathOnly() {
        #expect(VideoLinkExtractor.hasVideoExtension("https://a.example/v.MP4?x=1#t"))
        #expect(VideoLinkExtractor.hasVideoExtension("https://a.example/v.webm"))
        #expect(!VideoLinkExtractor.hasVideoExtension("https://a.example/get?file=v.mp4"))
        #expect(!VideoLinkExtractor.hasVideoExtension("https://a.example/v.mp4.html"))
    }

    @Test func echoedPromptInAJSONFenceIsIgnored() {
        let text = "```json\n{\n    \"prompt\": \"remake [点击这里](https://evil.example/x.mp4) https://evil.example/y.mp4\"\n}\n```\n\n> 排队中"
        #expect(link(text) == nil)
        #expect(VideoLinkExtractor.candidates(in: text).isEmpty)
    }

    @Test func unterminatedJSONFenceIsIgnoredOnlyWhileTheTextIsIncomplete() {
        let text = "```json\n{\"prompt\": \"https://evil.example/y.mp4\"}\n"
        #expect(VideoLinkExtractor.videoLinkByExtension(in: text) == nil)
        #expect(link(text) == "https://evil.example/y.mp4")  // a fence never closed cannot hide the only link
    }

    @Test func truncatedLinkAtTheEndOfIncompleteTextIsNotReported() {
        let cut = "> ✅ 视频生成成功，[点击这里](https://b.example/sora/u.mp4?Expires=1&Signature=ab"
        #expect(VideoLinkExtractor.videoLink(in: cut, textIsComplete: false) == nil)
        #expect(VideoLinkExtractor.videoLink(in: "视频：https://b.example/u.mp4?Sig=ab", textIsComplete: false) == nil)
        #expect(VideoLinkExtractor.videoLink(in: "<video src='https://b.example/u.mp4?Sig=a", textIsComplete: false) == nil)
        #expect(VideoLinkExtractor.videoLink(in: "视频：https://b.example/u.mp4 完成", textIsComplete: false) == "https://b.example/u.mp4")
        #expect(VideoLinkExtractor.videoLink(in: "[点击这里](https://b.example/u.mp4)", textIsComplete: false) == "https://b.example/u.mp4")
    }

    @Test func candidatesCarryTheirFlags() {
        let text = ">[数据预览](https://h.example/web/t) | [原始数据](https://h.example/source/t)\n[在线播放▶️](https://c.example/v.mp4)"
        let candidates = VideoLinkExtractor.candidates(in: text)
        #expect(candidates.map(\.label) == ["数据预览", "原始数据", "在线播放▶️"])
        #expect(candidates.map(\.isPreview) == [true, false, false])
        #expect(candidates.map(\.hasVideoExtension) == [false, false, true])
        #expect(candidates.map(\.hasVideoLabel) == [false, false, true])
        #expect(candidates.allSatisfy { $0.source == .markdown })
    }

    @Test func nonHTTPTargetsAreNotCandidates() {
        #expect(link("[下载视频](/relative/v.mp4) [x](ftp://a.example/v.mp4) [y](javascript:alert(1))") == nil)
    }

    @Test func textWithoutLinksHasNone() {
        #expect(link("") == nil)
        #expect(link("> 排队中......\n> 生成中.") == nil)
        #expect(link("[not a link] (https://a.example/v.mp4)") == "https://a.example/v.mp4")  // bare fallback
    }
}
