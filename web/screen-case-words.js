// The words of the big screen's case card (screen-case.js), added to the
// pages' dictionary (i18n.js) when the card's module is loaded. The card's
// states, severities and steps are the feed's and the legend's own words
// (st.*, sev*, evOverdue…, in i18n.js), so that the card says a case as
// they do.
import { addWords } from './i18n.js';

addWords({
  'card.close': ['关闭', 'close'],
  'card.id': ['案件 {id}', 'case {id}'],
  'card.where': ['位置', 'where'],
  'card.observed': ['发现时间', 'observed'],
  'card.due': ['办理期限', 'due'],
  'card.noDue': ['无时限', 'no time limit'],
  'card.left': ['剩余 {d}', '{d} left'],
  'card.overdueBy': ['已超期 {d}', 'overdue by {d}'],
  'card.closedAt': ['结案于 {t}', 'closed {t}'],
  'card.handling': ['办理单位', 'handled by'],
  'card.reporter': ['上报人', 'reported by'],
  'card.description': ['描述', 'description'],
  'card.photos': ['现场照片', 'photos'],
  'card.history': ['办理过程', 'history'],
  'card.noPhotos': ['无照片', 'no photos'],
  'card.signIn': ['登录后可看照片', 'sign in to see photos'],
  'card.photoDenied': ['无权查看此照片', 'not allowed to see this photo'],
  'card.photoFailed': ['照片暂时无法加载', 'photo not available now'],
  'card.photoAlt': ['照片 {n}', 'photo {n}'],
  'card.photoClose': ['点击任意处或按 Esc 关闭', 'click anywhere or press Esc to close'],
  'card.failed': ['无法加载此案件', 'this case cannot be loaded'],
  'card.forbidden': ['无权查看此案件', 'not allowed to see this case'],
  'card.reresolve': ['重新判定归属', 're-attributed'],
  'card.min': ['{n} 分钟', '{n} min'], 'card.hour': ['{n} 小时', '{n} h'], 'card.day': ['{n} 天', '{n} day{s}'],
  'card.flag.unmanaged': ['失管', 'unmanaged'], 'card.flag.enclave': ['飞地', 'enclave'], 'card.flag.overlap': ['重叠', 'overlap'],
});
