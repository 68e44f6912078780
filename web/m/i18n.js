// The app's words in Chinese (the default) and English. Category names are
// data: the code list names each in both languages (categories.js).
import { serverNow } from './clock.js';

const words = {
  app: ['网格员', 'Grid worker'],
  'tab.home': ['地图', 'Map'],
  'tab.report': ['上报', 'Report'],
  'tab.cases': ['案件', 'Cases'],
  'tab.patrol': ['巡查', 'Patrol'],
  'tab.queue': ['待发', 'Outbox'],
  online: ['在线', 'online'],
  offline: ['离线', 'offline'],
  'net.unreachable': ['连不上服务器', 'server unreachable'],
  'net.fault': ['服务器出错', 'server trouble'],
  waiting: ['待发 {n}', '{n} waiting'],
  refusedn: ['被拒 {n}', '{n} refused'],
  'auth.pill': ['登录已失效', 'signed out'],
  'auth.refused': ['登录已失效，请联系管理员重新发放令牌', 'Your sign-in is no longer valid: ask your administrator for a new token'],
  'signin.title': ['请先登录', 'Sign in'],
  'signin.help': ['用手机相机扫描管理员给您的二维码，即可打开本应用并登录。', 'Scan the QR code your administrator gave you with the phone\'s camera: it opens this app signed in.'],
  'signin.paste': ['或粘贴令牌：', 'Or paste the token:'],
  'signin.go': ['登录', 'Sign in'],
  'signin.bad': ['令牌无效或已过期', 'The token is unknown or expired'],
  'signin.out': ['退出登录', 'Sign out'],
  'signin.waiting': ['手机上还有 {n} 项未发送（已保存，不会丢失），用新令牌登录后将自动发送', 'Waiting on this phone: {n} item{s}, kept, not lost; sent once you sign in with a new token'],
  'where.title': ['此处由谁负责', 'Who is responsible here'],
  'where.locating': ['正在定位…', 'Finding your position…'],
  'where.denied': ['无法获取位置：请允许定位', 'No position: allow location access'],
  'where.accuracy': ['精度 ±{m} 米', 'accuracy ±{m} m'],
  'where.poor': ['定位精度差（±{m} 米），请等待或拖动图钉确认位置', 'Poor accuracy (±{m} m): wait, or drag the pin to confirm the place'],
  'where.nofix': ['暂时无法定位，正在重试…', 'No position yet, still trying…'],
  'where.offline': ['离线：显示上次的结果', 'offline: the last answer'],
  'where.fault': ['服务器暂时出错：显示上次的结果', 'the server is having trouble: the last answer'],
  'where.unreach': ['连不上服务器：显示上次的结果', 'the server cannot be reached: the last answer'],
  'status.managed': ['网格管理', 'managed by a grid'],
  'status.enclave': ['飞地', 'enclave'],
  'status.unmanaged': ['失管区域（无网格）', 'unmanaged area (no grid)'],
  'status.outside': ['辖区外', 'outside every district'],
  'where.managedby': ['由 {name} 管理', 'managed by {name}'],
  'where.flag': ['请在上报中说明，将由{level}（{name}）处理', 'say so in your report: the {level} ({name}) will act'],
  'where.flagnone': ['请在上报中说明', 'say so in your report'],
  'where.conflict': ['⚠ 边界重叠：此处也划入了 {names}；按规则由上面的单元负责，如有误请告知 GIS 人员',
    '⚠ Boundaries overlap: {names} claims this spot too; by the rules the unit above answers — tell the GIS staff if that is wrong'],
  'warn.left': ['您已离开本{level}（{name}）', 'You have left your {level} ({name})'],
  'report.title': ['上报隐患', 'Report a hazard'],
  'report.kind': ['类型', 'Kind'],
  'kind.hazard': ['安全隐患', 'hazard'],
  'kind.event': ['事件', 'event'],
  'report.category': ['分类', 'Category'],
  'report.search': ['搜索分类（名称或编码）', 'Search categories (name or code)'],
  'report.recent': ['最近使用', 'Recent'],
  'report.severity': ['紧急程度', 'Severity'],
  'sev.1': ['简易', 'minor'],
  'sev.2': ['一般', 'ordinary'],
  'sev.3': ['突出', 'serious'],
  'sev.4': ['重大', 'major'],
  'report.description': ['描述', 'Description'],
  'report.photos': ['照片', 'Photos'],
  'report.addphoto': ['拍照 / 选择照片', 'Take or choose a photo'],
  'report.point': ['位置（可拖动图钉）', 'Place (drag the pin)'],
  'report.send': ['提交', 'Submit'],
  'report.need': ['请选择分类', 'Choose a category'],
  'report.queued': ['已保存，待网络恢复后发送', 'Saved: it is sent when the network is back'],
  'report.queuedfault': ['已保存：服务器暂时出错，恢复后自动发送', 'Saved: the server is having trouble; it is sent when the server is back'],
  'report.queuedunreach': ['已保存：暂时连不上服务器，恢复后自动发送', 'Saved: the server cannot be reached; it is sent once it can be'],
  'report.sent': ['已上报', 'Reported'],
  'report.nofix': ['还没有位置：请等待定位或拖动图钉', 'No position yet: wait for a fix or drag the pin'],
  'report.answer': ['上报后将交给：', 'It will go to:'],
  'report.floor': ['{sev}案件由{from}起办理（此处{here}：{name}）', 'A {sev} case is handled from the {from} up (the {here} here: {name})'],
  'report.outside': ['此位置在所有辖区之外，不能上报：请把图钉拖到辖区内，或等待定位更准确', 'This place is outside every district and cannot be reported: drag the pin inside, or wait for a better fix'],
  'report.badphoto': ['无法读取该照片', 'This photo cannot be read'],
  'report.editing': ['正在修改被拒的上报：改好后请重新提交', 'Editing a refused report: correct it and submit again'],
  'report.kept': ['已附照片 {n} 张', '{n} photo{s} attached'],
  'report.answeroffline': ['离线：服务器收到后再判断归属', 'offline: the server decides where it goes on arrival'],
  'report.answerfault': ['服务器暂时出错：收到后再判断归属', 'the server is having trouble: it decides where it goes on arrival'],
  'report.answerunreach': ['连不上服务器：服务器收到后再判断归属', 'the server cannot be reached: it decides where it goes on arrival'],
  'report.answering': ['正在判断此处归属…', 'Finding who answers here…'],
  'report.pinned': ['图钉为手动放置，将按图钉位置上报（距您现在的位置约 {m} 米）', 'The pin was placed by hand: the report goes there ({m} m from where you are)'],
  'report.pinnedhere': ['图钉为手动放置，将按图钉位置上报', 'The pin was placed by hand: the report goes there'],
  'report.usefix': ['改用我现在的位置', 'Use where I am'],
  'text.limit': ['已达 {max} 字上限', 'The limit of {max} characters is reached'],
  'cases.title': ['我的案件', 'My cases'],
  'cases.none': ['没有待办案件', 'No open cases'],
  'cases.refresh': ['刷新', 'Refresh'],
  'cases.offline': ['离线：显示上次获取的列表', 'offline: the list as last fetched'],
  'cases.fault': ['服务器暂时出错：显示上次获取的列表', 'the server is having trouble: the list as last fetched'],
  'cases.unreach': ['连不上服务器：显示上次获取的列表', 'the server cannot be reached: the list as last fetched'],
  'cases.stale': ['未能读取案件详情：状态按上次获取的列表显示，办理过程可能不完整（共 {n} 步）', 'The case could not be read: its state is the list\'s as last fetched; its history may be incomplete ({n} steps)'],
  'cases.more': ['展开全文', 'Show all'],
  'cases.less': ['收起', 'Show less'],
  'cases.history': ['办理过程', 'History'],
  'cases.due': ['期限 {t}', 'due {t}'],
  'cases.back': ['返回', 'Back'],
  'cases.needphoto': ['请拍摄处置后的照片', 'Take a photo of the fixed spot'],
  'cases.queued': ['已保存，待发送', 'Saved, waiting to be sent'],
  'cases.refused': ['上一步被拒：{why}', 'The last step was refused: {why}'],
  'text.toolong': ['文字过长：{n} 字，最多 {max} 字', 'Too long: {n} characters, at most {max}'],
  'cases.readonly': ['此案件由 {code} 办理，您可查看', 'handled by {code}: you may look'],
  'cases.ownfix': ['此案由您处置，核查与结案须由他人进行（监管分离）', 'You handled this case: someone else verifies and closes it'],
  'cases.outside': ['此案件已不在您的辖区内（可能已上报上级），您可查看，不能办理', 'This case is no longer within your area (it may have gone up a level): you may look, not act'],
  'cases.assignee': ['派遣给（部门或人员，可选）', 'Dispatch to (department or person, optional)'],
  'cases.assigneeph': ['如：城管执法、张三', 'e.g. 城管执法, or a name'],
  'cases.noteoptional': ['说明（可选）', 'Note (optional)'],
  'cases.noterequired': ['{what}原因（必填）', 'Why: {what} (required)'],
  'cases.checkphoto': ['附核查照片（可选）', 'Add a photo of the check (optional)'],
  'cases.confirm': ['确认{what}', 'Confirm: {what}'],
  'cases.cancel': ['取消', 'Cancel'],
  'cases.done': ['已办理：{what}', 'Done: {what}'],
  'cases.notdone': ['未办理：{why}。已重新读取案件', 'Not done. {why}. The case was read again'],
  'cases.discard': ['放弃这一步', 'Give up this step'],
  'cases.overdueonly': ['只看超期', 'Overdue only'],
  'cases.nooverdue': ['没有超期案件', 'No overdue cases'],
  'cases.overdue': ['超期 {d}', 'overdue {d}'],
  'cases.overduefor': ['已超期 {d}（期限 {t}）', 'Overdue by {d} (due {t})'],
  'cases.assigned': ['派遣给 {who}', 'sent to {who}'],
  'do.accept': ['立案', 'Accept'],
  'do.reject': ['不予立案', 'Reject'],
  'do.dispatch': ['派遣', 'Dispatch'],
  'do.handle': ['处置完毕（需处置后照片）', 'Handled (with an after-photo)'],
  'do.return': ['回退', 'Return'],
  'do.verify': ['核查通过', 'Verified: fixed'],
  'do.close': ['结案', 'Close'],
  'do.reopen': ['重新办理', 'Reopen'],
  'do.reopencheck': ['核查不通过，重新办理', 'Not fixed: reopen'],
  'do.escalate': ['吹哨（报上一级）', 'Escalate (one level up)'],
  // What a step did, said once it is done: the buttons' hints (需处置后照片) are not part of it.
  'done.handle': ['处置完毕', 'Handled'],
  'done.escalate': ['吹哨（已报上一级）', 'Escalated'],
  'need.reject': ['不予立案须说明原因', 'Say why it is rejected'],
  'need.return': ['回退须说明原因', 'Say why you return it'],
  'need.reopen': ['重新办理须说明原因', 'Say why it is reopened'],
  'state.reported': ['待立案', 'reported'],
  'state.accepted': ['已立案', 'accepted'],
  'state.dispatched': ['已派遣', 'dispatched'],
  'state.handled': ['已处置', 'handled'],
  'state.verified': ['已核查', 'verified'],
  'state.closed': ['已结案', 'closed'],
  'state.rejected': ['不予立案', 'rejected'],
  'state.reopened': ['重新办理', 'reopened'],
  'patrol.title': ['巡查', 'Patrol'],
  'patrol.start': ['开始巡查', 'Start patrol'],
  'patrol.stop': ['结束巡查', 'Stop patrol'],
  'patrol.on': ['巡查中：保持屏幕常亮，轨迹分段发送', 'Patrolling: keep the screen on; the track is sent in chunks'],
  'patrol.fixes': ['已记录 {n} 个点，{km} 公里', '{n} fix{es}, {km} km'],
  'patrol.interrupted': ['巡查已中断，已保存 {n} 个点', 'The patrol was interrupted; {n} fix{es} saved'],
  'patrol.coverage': ['今日网格覆盖率', 'Grid covered today'],
  'patrol.nogrid': ['只对负责单个网格的网格员显示', 'shown to the worker of a single grid'],
  'queue.title': ['待发送', 'Waiting to be sent'],
  'queue.empty': ['全部已发送', 'Everything is sent'],
  'queue.sync': ['立即发送', 'Send now'],
  'queue.discard': ['放弃', 'Discard'],
  'queue.failed': ['被拒', 'refused'],
  'queue.server': ['服务器原文', 'The server said'],
  'queue.retry': ['重试', 'Retry'],
  'queue.edit': ['编辑', 'Edit'],
  'queue.photo': ['附照片 1 张', 'with 1 photo'],
  'queue.photos': ['附照片 {n} 张', 'with {n} photo{s}'],
  'sent.201': ['已保存', 'stored'],
  'sent.200': ['服务器已有，未重复保存', 'already stored'],
  'label.report': ['{name} {text}', '{name} {text}'],
  'label.handle': ['处置 · {name}', 'handled · {name}'],
  'label.return': ['回退 · {name}', 'returned · {name}'],
  'label.accept': ['立案 · {name}', 'accepted · {name}'],
  'label.reject': ['不予立案 · {name}', 'rejected · {name}'],
  'label.dispatch': ['派遣 · {name}', 'dispatched · {name}'],
  'label.verify': ['核查 · {name}', 'verified · {name}'],
  'label.close': ['结案 · {name}', 'closed · {name}'],
  'label.reopen': ['重新办理 · {name}', 'reopened · {name}'],
  'label.escalate': ['吹哨 · {name}', 'escalated · {name}'],
  'label.patrol': ['{n} 个点', '{n} fix{es}'],
  'refused.point': ['位置不在任何辖区内：请把图钉拖到辖区内后重新提交', 'The place is outside every district: move the pin inside and submit again'],
  'refused.category': ['分类无效：请重新选择分类', 'The category is not valid: choose another'],
  'refused.severity': ['紧急程度无效', 'The severity is not valid'],
  'refused.description': ['描述未被接受（可能过长）', 'The description was not accepted (too long?)'],
  'refused.photo': ['照片未被接受（格式或大小不符）', 'The photo was not accepted (type or size)'],
  'refused.expect': ['案件状态已变化：请刷新案件后再办理', 'The case changed meanwhile: refresh it and act again'],
  'refused.action': ['此案件现在不能这样办理', 'This step is not possible on the case now'],
  'refused.fixes': ['轨迹未被接受', 'The track was not accepted'],
  'refused.scope': ['超出您的权限范围', 'Outside what your token may do'],
  'refused.moved': ['案件状态已变为「{state}」（有人刚办理过），请按当前状态办理', 'The case is now “{state}” (someone acted on it meanwhile): act on it as it is now'],
  'refused.outside': ['此案件已不在您的辖区内（可能已上报上级），您不能办理', 'This case is no longer within your area (it may have gone up a level): you cannot act on it'],
  'refused.notfound': ['服务器上找不到该案件', 'The server does not know this case'],
  'refused.conflict': ['与服务器上已有的记录冲突', 'It conflicts with what the server holds'],
  'refused.toolarge': ['内容过大，无法发送', 'Too large to send'],
  'refused.other': ['服务器拒收', 'Refused by the server'],
  'refused.clockfast': ['手机时间比服务器快约 {d}：请在手机设置中打开“自动设置时间”。点“重试”将按服务器时间更正后发送',
    'The phone\'s clock is about {d} fast: set it to update automatically. Retry sends it with the time corrected'],
  'refused.clockslow': ['手机时间比服务器慢约 {d}：请在手机设置中打开“自动设置时间”。点“重试”将按服务器时间更正后发送',
    'The phone\'s clock is about {d} slow: set it to update automatically. Retry sends it with the time corrected'],
  'dur.min': ['{n} 分钟', '{n} min'],
  'dur.hour': ['{n} 小时', '{n} h'],
  'dur.day': ['{n} 天', '{n} day{s}'],
  'queue.sent': ['最近发送', 'Recently sent'],
  'item.photo': ['照片', 'photo'],
  'item.report': ['上报', 'report'],
  'item.transition': ['案件办理', 'case step'],
  'item.patrol': ['巡查轨迹', 'patrol track'],
  'action.report': ['上报', 'reported'],
  'action.accept': ['立案', 'accepted'],
  'action.reject': ['不予立案', 'rejected'],
  'action.dispatch': ['派遣', 'dispatched'],
  'action.return': ['回退', 'returned'],
  'action.handle': ['处置', 'handled'],
  'action.verify': ['核查', 'verified'],
  'action.close': ['结案', 'closed'],
  'action.reopen': ['重新办理', 'reopened'],
  'action.escalate': ['上报上级', 'escalated'],
  'action.reresolve': ['重新判定归属', 're-attributed'],
  // The server's own steps, said from their fields (its notes are English).
  'step.raised': ['由{from} 升至{to}（{why}）', 'raised from {from} to {to} ({why})'],
  'step.top': ['在最高一级（{unit}）超期，仍由其办理', 'overdue at the top of its chain ({unit}); it stays there'],
  'step.floor': ['{sev}案件由{level}起办理', 'a {sev} case is handled from the {level} up'],
  'why.severity': ['严重程度', 'severity'],
  'why.overdue': ['超期', 'overdue'],
  'why.manual': ['吹哨', 'asked for'],
  'level.district': ['区', 'district'],
  'level.street': ['街道', 'street'],
  'level.community': ['社区', 'community'],
  'level.grid': ['网格', 'grid'],
  'level.microgrid': ['微网格', 'micro-grid'],
};

let lang = localStorage.getItem('gridmap.lang') === 'en' ? 'en' : 'zh';

/** The current language, "zh" or "en". */
export const currentLang = () => lang;

/** t returns the text of key in the current language, {name}s filled from vars. */
export function t(key, vars = {}) {
  const w = words[key];
  const s = w ? w[lang === 'en' ? 1 : 0] : key;
  // A count n gives the English plural endings its noun takes: '1 photo', '2 photos' ({s}), '1 fix', '2 fixes' ({es}).
  const all = 'n' in vars ? { s: Number(vars.n) === 1 ? '' : 's', es: Number(vars.n) === 1 ? '' : 'es', ...vars } : vars;
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in all ? String(all[k]) : ''));
}

/** duration says a length of time (ms) in minutes, hours or days, rounded. */
export function duration(ms) {
  const min = Math.round(ms / 60_000);
  if (min < 120) return t('dur.min', { n: min });
  const h = Math.round(min / 60);
  return h < 48 ? t('dur.hour', { n: h }) : t('dur.day', { n: Math.round(h / 24) });
}

// The locale dates are written in: the app's language, not the browser's
// (a phone set to English may be used in Chinese, and the other way round).
const locale = () => (lang === 'en' ? 'en' : 'zh-CN');

/** dateTime writes a date and time in the current language ('' for none): 2026年11月25日 08:30, Nov 25, 2026, 8:30 AM. */
export const dateTime = (d) => (d ? new Date(d).toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' }) : '');

/**
 * shortTime writes when d was in the current language: its time of day
 * (08:30, 8:30 AM), after its date when that is not today (12月3日 08:30,
 * Dec 3 8:30 AM), so that an item queued yesterday does not read as today's.
 */
export function shortTime(d) {
  const at = new Date(d);
  const time = at.toLocaleTimeString(locale(), { timeStyle: 'short' });
  // Today is the server's (clock.js), as the times written are: a phone an
  // hour slow just after midnight would take what it sent a minute ago for
  // tomorrow's and write it with its date.
  if (at.toDateString() === serverNow().toDateString()) return time;
  return `${at.toLocaleDateString(locale(), { month: 'short', day: 'numeric' })} ${time}`;
}

/** applyI18n sets the texts of the elements marked data-i18n (and data-i18n-ph: placeholders). */
export function applyI18n(root = document) {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-ph]')) el.placeholder = t(el.dataset.i18nPh);
}

const listeners = new Set();
/** onLangChange calls fn after the language changed, to redraw what code wrote. */
export const onLangChange = (fn) => listeners.add(fn);

/** toggleLang switches between Chinese and English and remembers it. */
export function toggleLang() {
  lang = lang === 'en' ? 'zh' : 'en';
  localStorage.setItem('gridmap.lang', lang);
  applyI18n();
  listeners.forEach((fn) => fn());
}
