// Every string the page shows, per locale. Chinese (the plan's language) is built in; other
// locales live in strings-<id>.js and are loaded on first use. Adding one is a data change: copy
// strings-en.js, translate the values, add it to LOCALES. `Tests/www/strings.test.mjs` checks
// that every locale has every key with the same {placeholders}, and that every key used exists.

/** Locales offered in the language selector, in display order. */
export const LOCALES = [
  { id: 'zh', name: '中文', htmlLang: 'zh-CN' },
  { id: 'en', name: 'English', htmlLang: 'en' },
];

export const STRINGS = {
  zh: {
    'app.title': 'Sora 2 视频生成',
    'app.subtitle': '文生视频 / 图生视频 · 生成后自动转存',
    'app.skip': '跳到生成表单',
    'locale.label': '语言',
    'spend.today': '今日花费',
    'spend.unknown': '—',
    'spend.simulated': '（模拟价，未实际扣费）',

    'banner.simulated': '模拟上游：未配置 SORA_API_KEY，当前视频由内置模拟器生成，仅供测试，不产生费用。',
    'banner.problems': '配置问题',
    'banner.healthFailed': '无法读取服务状态（/api/health）：{message}',

    'form.title': '生成视频',
    'model.legend': '模型',
    'model.loading': '正在加载模型…',
    'model.loadFailed': '模型列表加载失败：{message}',
    'model.retry': '重新加载',
    'model.retired': '已下线',
    'model.price': '{price}/次',
    'model.describe': '{orientation}，{width}×{height}，{duration}秒，{price}/次',
    'mode.legend': '模式',
    'mode.text': '文生视频',
    'mode.image': '图生视频',
    'mode.textHint': '只需要提示词',
    'mode.imageHint': '首帧图片 + 提示词',

    'upload.legend': '首帧图片',
    'upload.drop': '拖放图片到这里，或粘贴（Ctrl+V）',
    'upload.choose': '选择文件',
    'upload.hint': 'PNG / JPEG / WebP，不超过 10 MB',
    'upload.remove': '移除图片',
    'upload.preview': '首帧预览',
    'upload.urlLabel': '或填写图片 URL（如 OSS 链接）',
    'upload.reading': '正在读取图片…',

    'params.legend': '参数',
    'params.duration': '时长',
    'params.resolution': '分辨率',
    'params.resolutionValue': '{resolution}（{orientation}）',
    'params.price': '单价',
    'params.seconds': '{n} 秒',
    'params.note': 'ℹ️ Sora 2 模型时长由模型名控制（10s 或 15s），分辨率固定（竖屏 704×1280，横屏 1280×704）',
    'orientation.portrait': '竖屏',
    'orientation.landscape': '横屏',

    'prompt.label': '提示词',
    'prompt.placeholder': '描述你想要的画面、镜头运动和风格…',
    'prompt.counter': '{n} / {max}',
    'prompt.tip': '避免真实人物、名人、暴力和版权角色等内容，否则可能无法通过内容审核。',

    'cost.before': '本次费用 {price}（按次计费）',
    'submit.label': '生成视频',
    'submit.busy': '提交中…',
    'submit.ok': '已提交：{id}',
    'submit.replayed': '重复提交已合并为同一任务：{id}',

    'err.summary': '请先修正以下问题：',
    'err.modelRequired': '请选择模型',
    'err.modelRetired': '该模型已下线，请选择其他模型',
    'err.modeUnsupported': '所选模型不支持该模式',
    'err.promptEmpty': '请输入提示词',
    'err.promptTooLong': '提示词过长：{n} 字，最多 {max} 字',
    'err.firstFrameRequired': '请先上传首帧图片',
    'err.imageType': '只支持 PNG、JPEG 或 WebP 图片',
    'err.imageSize': '图片过大（{size}），最大 10 MB',
    'err.imageUrl': '图片 URL 必须是 https:// 开头的完整地址',
    'err.imageConflict': '上传图片与图片 URL 只能二选一',
    'err.imageRead': '无法读取这张图片',
    'err.network': '网络错误：无法连接服务器',
    'err.nonJson': '服务器返回了意外的响应（HTTP {status}）',
    'err.http413': '请求过大（HTTP 413）：图片太大，或服务器的上传限制过低',
    'err.http': '请求失败（HTTP {status}）',

    'api.unsupported_media_type': '请求格式错误（需要 JSON）',
    'api.invalid_json': '请求内容不是有效的 JSON',
    'api.unknown_model': '未知模型',
    'api.prompt_too_long': '提示词过长（最多 4000 字）',
    'api.duration_mismatch': '时长与模型不一致',
    'api.image_invalid': '图片数据无效',
    'api.invalid_id': '无效的任务 ID',
    'api.job_running': '任务仍在进行中，完成后才能删除',

    'jobs.title': '任务进度',
    'jobs.empty': '还没有进行中的任务。提交后这里会显示进度；刷新页面也会继续跟踪。',
    'status.queued': '排队中',
    'status.generating': '生成中',
    'status.transferring': '转存中',
    'status.succeeded': '已完成',
    'status.failed': '失败',
    'status.unknown': '未知',
    'job.elapsed': '已用时 {time}',
    'job.took': '用时 {time}',
    'job.progressLabel': '任务进度',
    'job.stageWaiting': '等待上游响应…',
    'job.dismiss': '移除卡片',
    'job.gone': '任务不存在（可能已被删除）',
    'job.pollError': '暂时无法获取进度，正在重试…',
    'job.model': '模型',
    'job.duration': '时长',
    'job.resolution': '分辨率',
    'job.prompt': '提示词',
    'job.actualPrompt': '实际提示词',
    'job.cost': '费用',
    'job.size': '大小',
    'job.created': '创建于',
    'job.id': '任务 ID',

    'result.download': '下载',
    'result.copy': '复制链接',
    'result.copied': '链接已复制',
    'result.copyFailed': '无法自动复制，请手动复制这个链接：',
    'result.noVideo': '视频文件不可用',

    'fail.title.moderation': '内容未通过审核',
    'fail.title.stream_cut': '生成在给出结果前中断',
    'fail.title.upstream': '上游接口报错',
    'fail.title.timeout': '生成超时',
    'fail.title.no_link': '没有拿到视频链接',
    'fail.title.transfer': '视频转存失败',
    'fail.title.config': '服务器配置问题',
    'fail.title.interrupted': '任务被中断',
    'fail.title.unknown': '生成失败',
    'fail.hint.moderation': '请修改提示词后重新生成：去掉真实人物/名人的名字、暴力、色情、血腥和版权角色等描述，用中性的场景、动作和风格来描述画面。',
    'fail.hint.stream_cut': '上游在返回视频前断开了连接，常见原因是内容审核，也可能是网络中断。建议调整提示词后重新生成。',
    'fail.hint.upstream': '这是网关返回的错误。请稍后重试；若持续出现，请检查 API 额度和密钥。',
    'fail.hint.timeout': '上游长时间没有完成。可以稍后在视频库查看，或重新生成。',
    'fail.hint.no_link': '生成结束了，但回复中没有视频链接。可以重新生成。',
    'fail.hint.transfer': '视频已经生成，只是保存到存储失败。在上游链接过期前可以「重试转存」，不会重新生成，也不会再次计费。',
    'fail.hint.config': '服务器缺少或配置错了必要设置（如 API Key 或存储），请联系管理员。',
    'fail.hint.interrupted': '处理任务的进程被中断（例如服务器重启）。同一个任务不会被重复扣费；如仍需要这个视频，请重新提交。',
    'fail.hint.unknown': '请稍后重试。',
    'fail.retryTransfer': '重试转存',
    'fail.retrying': '正在重试…',
    'fail.linkValidUntil': '上游链接有效至 {time}',
    'fail.detail': '技术细节',

    'library.title': '视频库',
    'library.search': '搜索提示词',
    'library.status': '状态',
    'library.model': '模型',
    'library.all': '全部',
    'library.refresh': '刷新',
    'library.loadMore': '加载更多',
    'library.loading': '加载中…',
    'library.empty': '没有符合条件的视频。',
    'library.loadFailed': '视频库加载失败：{message}',
    'library.count': '已显示 {n} 个',
    'library.countOf': '已显示 {n} / {total} 个',
    'library.open': '打开视频：{prompt}',
    'library.delete': '删除',
    'library.deleted': '已删除',
    'library.noThumb': '无预览',

    'dialog.close': '关闭',
    'confirm.deleteTitle': '删除这个视频？',
    'confirm.deleteBody': '任务和视频会从视频库中删除，无法恢复。',
    'confirm.cancel': '取消',
    'confirm.delete': '删除',
  },

};

/** Catalog tags per locale (the catalog's own tags are Chinese). */
export const TAGS = {};

let current = 'zh';

const known = (id) => LOCALES.some((l) => l.id === id);

/** The locale to start with: a saved choice, else Chinese (the plan's language). */
export function pickLocale(saved) {
  return known(saved) ? saved : 'zh';
}

/** Loads the table of locale `id` (strings-<id>.js) once; false for an unknown locale. */
export async function loadLocale(id) {
  if (!known(id)) return false;
  if (!Object.hasOwn(STRINGS, id)) {
    const m = await import(`./strings-${id}.js`);
    STRINGS[id] = m[`STRINGS_${id.toUpperCase()}`];
    TAGS[id] = m[`TAGS_${id.toUpperCase()}`] ?? {};
  }
  return true;
}

/** Switches to a loaded locale (see loadLocale); anything else keeps the current one. */
export function setLocale(id) {
  if (known(id) && Object.hasOwn(STRINGS, id)) current = id;
  return current;
}

export function getLocale() {
  return current;
}

/** The string `key` in the current locale with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const table = STRINGS[current] || STRINGS.zh;
  const template = table[key] ?? STRINGS.zh[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Whether `key` exists (used to map API error codes to a local message when there is one). */
export function hasString(key) {
  return key in STRINGS.zh;
}

/** A catalog tag in the current locale. */
export function translateTag(tag) {
  return TAGS[current]?.[tag] ?? tag;
}
