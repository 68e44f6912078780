// The pages' words, in Chinese (the default) and English. The choice is kept
// in the browser (localStorage) and switched by each page's 中/EN button.
const words = {
  // dashboard
  title: ['网格化服务管理', 'grid-based governance'],
  loading: ['加载中…', 'loading…'],
  ready: ['就绪 · 点击单元或任意位置查看归属', 'ready · click a unit or any point'],
  layers: ['图层', 'Layers'],
  legend: ['图例', 'Legend'],
  unit: ['单元', 'Unit'],
  whoAnswers: ['谁负责', 'Who answers here'],
  openHazards: ['未办结隐患', 'Open hazards'],
  code: ['编码', 'code'],
  households: ['户数', 'households'],
  gridWorker: ['网格员', 'grid worker'],
  phone: ['电话', 'phone'],
  version: ['版本', 'version'],
  validFrom: ['生效日期', 'valid from'],
  history: ['历史版本', 'history'],
  status: ['状态', 'status'],
  managedBy: ['管理单位', 'managed by'],
  responsible: ['负责单位', 'responsible'],
  enclave: ['飞地', 'enclave'],
  conflicts: ['重叠', 'conflicts'],
  noAnswer: ['无结果', 'no answer'],
  open: ['件未办结', 'open'],
  overdue: ['件超期', 'overdue'],
  noStats: ['本服务无隐患统计', 'no hazard statistics on this server'],
  statsForbidden: ['此令牌无权查看该单元的隐患统计', 'this token may not see this unit\'s hazards'],
  // The console's audit of a unit (audit.js).
  auditRun: ['校验下级边界', 'Check the boundaries under it'],
  auditRunning: ['正在校验…', 'checking…'],
  auditForbidden: ['此令牌无权校验该单元', 'this token may not audit this unit'],
  auditFailed: ['校验失败', 'the audit failed'],
  auditClean: ['未发现问题（{when}）', 'nothing wrong ({when})'],
  auditFound: ['发现 {n} 处问题：', '{n} problems: '],
  auditMore: ['另有 {n} 处见地图', '{n} more on the map'],
  listSep: ['，', ', '],
  'as.gaps': ['失管 {n} 处', '{n} gaps'], 'as.overlaps': ['重叠 {n} 处', '{n} overlaps'],
  'as.outside': ['超出上级 {n} 处', '{n} outside their parent'], 'as.orphans': ['上级缺失 {n} 处', '{n} orphans'],
  'af.gap': ['失管', 'gap'], 'af.overlap': ['重叠', 'overlap'], 'af.outside': ['超出上级', 'outside'],
  'af.orphan_unit': ['上级缺失', 'orphan'], 'af.orphan_enclave': ['管理单位缺失', 'orphan enclave'],
  'am.gap': ['{parent} 内 {area} 未被任何下级覆盖', '{area} of {parent} no child covers'],
  'am.overlap': ['{a} 与 {b} 重叠 {area}', '{a} and {b} overlap by {area}'],
  'am.outside': ['{a} 超出上级 {parent} {area}', '{a} sticks out of {parent} by {area}'],
  'am.orphan_unit': ['{a} 的上级不存在', 'the parent of {a} does not exist'],
  'am.orphan_enclave': ['飞地 {a} 的管理单位不存在', 'the managing unit of enclave {a} does not exist'],
  managedHere: ['由管理单位负责：', 'handled by the managing unit: '],
  dataChanged: ['数据已更新 · 图块已刷新', 'data changed · tiles reloaded'],
  unreachable: ['无法连接服务器', 'cannot reach the server'],
  needToken: ['此服务需要令牌：请以 /?token=… 打开', 'this server needs a token: open the page as /?token=…'],
  catalogFailed: ['无法加载图层目录', 'cannot load the layer catalog'],
  mapError: ['地图错误', 'map error'],
  signedOut: ['未登录：电话等个人信息已隐藏', 'not signed in: phone numbers and other personal data are hidden'],
  // screen
  screenTitle: ['网格化服务管理指挥大屏', 'Grid governance command centre'],
  city: ['全市', 'whole city'],
  connecting: ['连接中', 'connecting'],
  live: ['实时', 'live'],
  noSuchUnit: ['无此单元', 'no such unit'],
  noSuchUnitLong: ['单元 {code} 不存在', 'There is no unit {code}'],
  noSuchUnitHint: ['请检查地址中的单元编码（?unit=…）', 'Check the unit code in the address (?unit=…).'],
  loadFailed: ['加载失败', 'cannot load'],
  loadFailedLong: ['无法加载该单元的数据', 'The figures of this unit cannot be loaded'],
  showCity: ['查看全市', 'show the whole city'],
  showScope: ['查看本辖区', 'view my area'],
  outsideScope: ['辖区外', 'outside my area'],
  outsideScopeLong: ['单元 {code} 不在本令牌的辖区内', 'Unit {code} is outside this token\'s area'],
  outsideScopeHint: ['此大屏令牌只能查看本辖区及其下级单元', 'This screen\'s token shows its own area and the units in it.'],
  feedEmpty: ['暂无动态 · 新上报将在此实时显示', 'no events yet · new reports appear here as they happen'],
  tour: ['自动巡览', 'auto tour'],
  reportsToday: ['今日上报', 'reports today'],
  cases: ['件', 'cases'],
  openCases: ['未办结', 'open cases'],
  overdueNow: ['当前超期', 'overdue now'],
  onTime: ['按期办结率', 'closed on time'],
  unmanaged: ['失管区域', 'unmanaged areas'],
  patrolToday: ['今日巡查覆盖', 'patrol coverage today'],
  severity: ['未办结案件 · 按等级', 'open cases by severity'],
  trend: ['近30日上报与结案', 'reports and closures, 30 days'],
  byCategory: ['按类别（近30日）', 'by category (30 days)'],
  ranking: ['下级单元排名 · 未办结与超期', 'units by open and overdue cases'],
  feed: ['实时动态', 'live feed'],
  mapNote: ['点击下级单元钻取 · 新上报在地图上闪烁', 'click a unit to drill down · new reports flash on the map'],
  reported: ['上报', 'reported'],
  closedOf: ['已结案', 'closed'],
  gridsPatrolled: ['网格', 'grids'],
  sev1: ['简易', 'minor'], sev2: ['一般', 'ordinary'], sev3: ['突出', 'serious'], sev4: ['重大', 'major'],
  evCreated: ['新上报', 'new report'], evUpdated: ['状态变更', 'step'], evMoved: ['改派', 'moved'],
  evEscalated: ['升级', 'escalated'], evOverdue: ['超期', 'overdue'], evUnit: ['边界变更', 'boundaries changed'],
  evEnclave: ['飞地变更', 'enclave changed'], evImport: ['导入完成', 'import finished'], evAudit: ['失管区域变化', 'gaps changed'],
  // workflow steps in the screen's feed, named by the state they lead to, as the
  // grid workers' app (m/i18n.js) and the README name them: accepting a case is 立案
  'st.reported': ['上报', 'reported'], 'st.accepted': ['立案', 'accepted'], 'st.dispatched': ['派遣', 'dispatched'],
  'st.handled': ['处置', 'handled'], 'st.verified': ['核查', 'verified'], 'st.closed': ['结案', 'closed'],
  'st.rejected': ['不予立案', 'rejected'], 'st.reopened': ['重新办理', 'reopened'], stReturned: ['回退', 'returned'],
  // the screen when its token is refused (expired, revoked, missing, or not allowed this unit)
  authFailed: ['未授权', 'not authorised'],
  authFailedLong: ['授权已失效或无权查看：请联系管理员重新发放大屏令牌',
    'Access has expired or is not allowed: ask an administrator for a new screen token'],
  tokenRefused: ['此令牌被服务器拒绝（已过期、已吊销或无效）', 'The server refuses this token (expired, revoked or invalid).'],
  tokenMissing: ['此服务需要令牌：请以 /screen?token=… 打开', 'This server needs a token: open the screen as /screen?token=…'],
  tokenForbidden: ['此令牌无权查看该单元', 'This token may not see this unit.'],
  badUnitLong: ['单元编码 {code} 无效', '{code} is not a unit code'],
  loadFailedHint: ['请稍后重试；问题持续时请联系管理员', 'Try again later; if it persists, tell an administrator.'],
  reconnecting: ['重新连接中', 'reconnecting'],
  linkLost: ['连接已中断（自 {since} 起）· 数据可能不是最新 · 正在重连…',
    'Connection lost since {since} · figures may be out of date · reconnecting…'],
  linkBack: ['已重新连接 · 中断 {secs} 秒 · 数据已刷新', 'Reconnected after {secs} s · the figures are up to date again'],
  // the dashboard on a narrow screen
  panelOpen: ['打开侧栏', 'open the side panel'],
  panelClose: ['收起侧栏', 'close the side panel'],
  // edit mode (edit.js, edit-shared.js, edit-tools.js, edit-problem.js). {s} is "s" for a
  // plural in English and nothing in Chinese.
  'ed.open': ['✎ 编辑', '✎ Edit'],
  'ed.close': ['✕ 退出编辑', '✕ Exit edit'],
  'ed.title': ['编辑边界', 'Edit boundaries'],
  'ed.token': ['令牌', 'Token'],
  'ed.use': ['使用', 'Use'],
  'ed.tokenPh': ['编辑令牌', 'editor token'],
  'ed.tokenSetPh': ['••••••••（已设置）', '•••••••• (set)'],
  'ed.tokenIsSet': ['此标签页已设置令牌（保存在 sessionStorage）。输入另一个令牌可替换，提交空值可清除。',
    'A token is set for this tab (kept in sessionStorage). Enter another to replace it, or an empty one to forget it.'],
  'ed.tokenNeeded': ['保存需要编辑令牌：', 'Saving needs an editor token:'],
  'ed.tokenSet': ['已为此标签页设置令牌，保存时校验。', 'Token set for this browser tab. It is checked when you save.'],
  'ed.tokenForgotten': ['已清除令牌。', 'Token forgotten.'],
  'ed.pickHelp': ['在地图上点击网格或飞地（缩放至 13 级以上）即可编辑，或按编码载入任一单元或飞地：',
    'Click a grid or an enclave on the map (zoom 13+) to edit it, or load any unit or enclave by code:'],
  'ed.load': ['载入', 'Load'],
  'ed.newGrid': ['+ 新网格', '+ New grid'],
  'ed.newEnclave': ['+ 新飞地', '+ New enclave'],
  'ed.save': ['保存', 'Save'],
  'ed.create': ['创建', 'Create'],
  'ed.savingBtn': ['保存中…', 'Saving…'],
  'ed.discard': ['放弃修改', 'Discard'],
  'ed.warnings': ['校验提示', 'Warnings'],
  // A save's warnings (geo.ImportIssue): the kinds, and the Chinese words of
  // those whose fields say it all (the English is the server's message).
  'wk.overlap': ['重叠', 'overlap'], 'wk.gap': ['失管', 'gap'], 'wk.outside_parent': ['超出上级', 'outside parent'],
  'wk.sliver': ['细缝', 'sliver'], 'wk.repaired': ['已修复', 'repaired'], 'wk.orphaned': ['遗留下级', 'orphaned'],
  'wk.parent_mismatch': ['上级不符', 'parent mismatch'], 'wk.kept_properties': ['保留属性', 'kept properties'],
  'wm.overlap': ['与相邻单元 {other} 重叠 {area}', ''],
  'wm.overlapAcross': ['与另一上级 {parent} 下的单元 {other} 重叠 {area}', ''],
  'wm.gap': ['{area} 未被任何下级单元覆盖（失管区域）', ''],
  'wm.outside_parent': ['超出上级单元 {other} {area}', ''],
  'wm.outsideInto': ['超出上级单元 {other} {area}，主要伸入 {in}', ''],
  'ed.confirmDiscard': ['放弃对此边界的修改？', 'Discard your changes to this boundary?'],
  'ed.discarded': ['已放弃修改。', 'Changes discarded.'],
  'ed.confirmLeave': ['退出编辑并放弃修改？', 'Leave edit mode and discard your changes?'],
  'ed.zoomIn': ['请放大到 13 级以上再选择网格。', 'Zoom in to 13 or more to pick a grid.'],
  'ed.nothingHere': ['此处没有网格或飞地。', 'No grid or enclave here.'],
  'ed.loading': ['正在载入 {code} …', 'Loading {code} …'],
  'ed.noCurrent': ['不存在现行的{kind} {code}', 'there is no current {kind} {code}'],
  'ed.cannotLoad': ['无法载入 {code}：{why}', 'Cannot load {code}: {why}'],
  'ed.cannotDraw': ['绘图控件无法编辑此边界：{why}', 'the drawing control cannot edit this boundary: {why}'],
  'ed.polygonClosed': ['多边形已闭合。可调整顶点，检查各字段后保存。', 'Polygon closed. Adjust its vertices if needed, check the fields, then save.'],
  'ed.drawHelp': ['在地图上点击放置顶点；再次点击第一个顶点（或按 Enter）闭合多边形。',
    'Click on the map to place the vertices; click the first one again (or press Enter) to close the polygon.'],
  'ed.kind.unit': ['单元', 'unit'],
  'ed.kind.enclave': ['飞地', 'enclave'],
  'level.district': ['区', 'district'],
  'level.street': ['街道', 'street'],
  'level.community': ['社区', 'community'],
  'level.grid': ['网格', 'grid'],
  'level.microgrid': ['微网格', 'micro-grid'],
  'ed.status.custodial': ['代管', 'custodial'],
  'ed.status.unmanaged': ['失管', 'unmanaged'],
  'ed.status.transferred': ['属地化', 'transferred'],
  'ed.newGridTitle': ['新网格', 'New grid'],
  'ed.newEnclaveTitle': ['新飞地', 'New enclave'],
  'ed.communityCode': ['所属社区编码', 'Community code'],
  'ed.ph12digits': ['12 位数字', '12 digits'],
  'ed.gridCode': ['网格编码', 'Grid code'],
  'ed.phGridCode': ['社区编码 + 3 位数字', 'community code + 3 digits'],
  'ed.name': ['名称', 'Name'],
  'ed.enclaveCode': ['飞地编码', 'Enclave code'],
  'ed.managingCode': ['管理单位编码', 'Managing unit code'],
  'ed.phManaging': ['负责管理它的单位', 'the unit that looks after it'],
  'ed.status': ['状态', 'Status'],
  'ed.reason': ['成因', 'Reason'],
  'ed.phReason': ['如：企业移交的住宅区', 'e.g. enterprise housing handed over'],
  'ed.noPolygon': ['没有可保存的多边形。', 'There is no polygon to save.'],
  'ed.needCode': ['请先为新边界填写编码。', 'Give the new boundary a code first.'],
  'ed.saving': ['正在保存 {code} …', 'Saving {code} …'],
  'ed.unreachable': ['未保存：无法连接服务器（{why}）。修改仍在，请重试。',
    'Not saved: cannot reach the server ({why}). Your changes are still here; try again.'],
  'ed.savedNoShow': ['已保存，但保存后的边界无法显示以供编辑：{why}', 'Saved, but the saved boundary cannot be shown for editing: {why}'],
  'ed.saved': ['已保存 {code}，版本 {version}{warnings}。地图正在重新加载图块。', 'Saved {code} as version {version}{warnings}. The map is reloading its tiles.'],
  'ed.created': ['已创建 {code}，版本 {version}{warnings}。地图正在重新加载图块。', 'Created {code} as version {version}{warnings}. The map is reloading its tiles.'],
  'ed.withWarnings': ['，有 {n} 条校验提示（见下方）', ' with {n} warning{s} (below)'],
  'ed.e401': ['未保存：服务器不接受此令牌（{detail}）。请在上方输入有效的编辑令牌后再保存。',
    'Not saved: the server did not accept the token ({detail}). Enter a valid editor token above and save again.'],
  'ed.e403': ['未保存：此令牌无权编辑 {code}（{detail}）。需要权限范围覆盖它的编辑令牌，请联系管理员。',
    'Not saved: this token may not edit {code} ({detail}). It takes an editor token whose scope covers it; ask an administrator.'],
  'ed.e429': ['未保存：短时间内保存次数过多。请等待 {secs} 秒后再保存，修改仍在。',
    'Not saved: too many saves in a short time. Wait {secs} s, then save again; your changes are still here.'],
  'ed.gone': ['未保存：{code} 已在此期间停用或删除（{detail}）。', 'Not saved: {code} has been retired or deleted meanwhile ({detail}).'],
  'ed.notSaved': ['未保存：{detail}', 'Not saved: {detail}'],
  'ed.fieldNote': ['（字段 {field}）', ' (field {field})'],
  'ed.reloadTheirs': ['载入对方版本', 'Reload theirs'],
  'ed.saveOver': ['仍保存我的版本', 'Save mine over theirs'],
  'ed.loadedTheirs': ['已载入 {code} 的版本 {version}（对方的），您的修改已丢弃。', 'Loaded version {version} of {code} (theirs); your changes were dropped.'],
  'ed.someoneElse': ['⚠ 此边界已被他人在此期间保存', '⚠ Someone else saved this boundary meanwhile'],
  'ed.conflict': ['冲突', 'conflict'],
  'ed.theirVersion': ['对方版本', 'their version'],
  'ed.savedBy': ['保存人', 'saved by'],
  'ed.savedAt': ['保存时间', 'saved at'],
  'ed.youEdited': ['您编辑的版本', 'you edited'],
  'ed.unknown': ['未知', 'unknown'],
  'ed.theirsDrawn': ['对方的边界为橙色虚线；您的仍为蓝色，尚未保存。', 'Their boundary is the dashed orange outline; yours is still in blue, unsaved.'],
  'ed.nowAt': ['未保存：{code} 现为版本 {version}。', 'Not saved: {code} is at version {version} now.'],
  'ed.hintDraw': ['点击添加顶点 · 点击第一个顶点或按 Enter 闭合 · Esc 取消',
    'Click to add vertices · click the first vertex or press Enter to close · Esc cancels'],
  'ed.hintEdit': ['拖动顶点可移动（带圈的顶点对所有共用单元一起移动）· 拖动中点可添加顶点 · 右键点击顶点可删除',
    'Drag a vertex to move it (a ringed one moves for every unit that shares it) · drag a midpoint to add one · right-click a vertex to delete it'],
  'ed.hintEditAlone': ['拖动顶点可移动（只改本单元，共用单元不动）· 拖动中点可添加顶点 · 右键点击顶点可删除',
    'Drag a vertex to move it (in this unit only; the units sharing it stay) · drag a midpoint to add one · right-click a vertex to delete it'],
  'ed.helpDraw': ['在地图上绘制多边形，然后保存。', 'Draw the polygon on the map; then save.'],
  'ed.helpEdit': ['拖动白色顶点；拖动浅蓝色中点可添加顶点；右键点击顶点可删除。',
    'Drag the white vertices; drag a light-blue midpoint to add a vertex; right-click a vertex to delete it.'],
  'ed.parts': ['此边界由 {n} 部分组成：点击其中之一进行编辑。', ' This boundary has {n} parts: click one to edit it.'],
  'ed.showWhere': ['在地图上显示', 'show where'],
  'ed.together': ['共用顶点联动（拥有该顶点的所有单元一起移动）', 'Move shared vertices together (every unit that has the vertex)'],
  'ed.sharedBy': ['{n} 个单元共用 · {parts}', 'shared by {n} units · {parts}'],
  'ed.countOf': ['{n} 个{what}', '{n} {what}{s}'],
  'ed.aroundFailed': ['无法读取 {code} 周边的边界，共用顶点未显示：{why}', 'Cannot read the boundaries around {code}, so shared vertices are not shown: {why}'],
  'ed.moving': ['正在移动 {n} 个单元共用的顶点 …', 'Moving the vertex shared by {n} units …'],
  'ed.notMoved': ['顶点未移动', 'Vertex not moved'],
  'ed.moveUnreachable': ['顶点未移动：无法连接服务器（{why}）。顶点已复原，请重试。',
    'Vertex not moved: cannot reach the server ({why}). It is back where it was; try again.'],
  'ed.movedIn': ['已在共用该顶点的 {n} 个单元中移动顶点：{versions}{warnings}。地图正在重新加载图块。',
    'Moved the vertex in {n} unit{s} sharing it: {versions}{warnings}. The map is reloading its tiles.'],
  'ed.warnTail': [' · {n} 条校验提示（见下方）', ' · {n} warning{s} (below)'],
  'ed.split': ['✂ 切分', '✂ Split'],
  'ed.merge': ['⊕ 合并', '⊕ Merge'],
  'ed.splitDraw': ['画一条穿过 {code} 的线：点击放置各点，起点和终点都在其外；再次点击最后一点或按 Enter 结束。',
    'Draw a line across {code}: click to place points, starting and ending outside it; click the last point again or press Enter to finish.'],
  'ed.splitCheck': ['检查两部分的编码和名称（留空由服务器决定），然后确认切分 {code}。',
    'Check the parts\' codes and names (empty: the server chooses), then confirm the split of {code}.'],
  'ed.splitGo': ['确认切分', 'Split'],
  'ed.redraw': ['重画切分线', 'Redraw line'],
  'ed.splitTitle': ['✂ 切分 {code}', '✂ Split {code}'],
  'ed.splitHelp': ['左右按画线方向（从第一点到最后一点）区分。编码留空时，较大部分保留原编码，另一部分取下一个空闲编码。',
    'Left and right as the line is drawn, first point to last. Leave the codes empty to keep the code for the larger part and give the other the next free code.'],
  'ed.leftCode': ['左侧编码', 'Left part code'],
  'ed.leftName': ['左侧名称', 'Left part name'],
  'ed.rightCode': ['右侧编码', 'Right part code'],
  'ed.rightName': ['右侧名称', 'Right part name'],
  'ed.phNextFree': ['下一个空闲编码 / 保留', 'next free / keep'],
  'ed.phAsUnit': ['同原单元', 'as the unit'],
  'ed.notSplit': ['未切分', 'Not split'],
  'ed.splitting': ['正在切分 …', 'Splitting …'],
  'ed.splitDone': ['已将 {code} 切分为 {parts}{retired}。写入的版本：{versions}。', 'Split {code} into {parts}{retired}. Versions written: {versions}.'],
  'ed.and': [' 和 ', ' and '],
  'ed.retired': ['；已停用 {codes}', '; retired {codes}'],
  'ed.mergeStart': ['在地图上点击要与 {code} 合并的{level}（同属 {parent}、彼此相邻），或按编码添加。',
    'Click the {level}s to merge with {code} on the map (siblings in {parent}, touching), or add them by code.'],
  'ed.sameParent': ['同一上级', 'the same parent'],
  'ed.mapNoLevel': ['地图未显示{level}：请按编码添加。', 'The map does not show {level}s: add them by code.'],
  'ed.noLevelHere': ['此处没有{level}。', 'No {level} here.'],
  'ed.startedFrom': ['{code} 是您开始时的单元；如需另选请取消。', '{code} is the unit you started from; cancel to choose another.'],
  'ed.dropped': ['已将 {code} 移出合并。', '{code} dropped from the merge.'],
  'ed.notSibling': ['{code} 不能与 {other} 合并：只有同级单元可合并（{parent} 下的{level}）；{code} 是 {hisParent} 下的{hisLevel}。',
    '{code} cannot be merged with {other}: only siblings merge (a {level} of {parent}); {code} is a {hisLevel} of {hisParent}.'],
  'ed.noParent': ['无上级', 'no parent'],
  'ed.picked': ['已选 {n} 个单元。可继续选择，或选定编码后确认。', '{n} units picked. Pick more, or choose the code and confirm.'],
  'ed.cannotAdd': ['无法添加 {code}：{why}', 'Cannot add {code}: {why}'],
  'ed.keep': ['{code}（保留）', '{code} (keep)'],
  'ed.newCode': ['新编码 …', 'a new code …'],
  'ed.phNewCode': ['新编码', 'new code'],
  'ed.phAdd': ['按编码添加单元', 'add a unit by code'],
  'ed.add': ['添加', 'Add'],
  'ed.mergeGo': ['确认合并 {n} 个', 'Merge {n}'],
  'ed.mergeTitle': ['⊕ 合并同级单元', '⊕ Merge siblings'],
  'ed.mergedCode': ['合并后编码', 'Code of the merged unit'],
  'ed.phKeepName': ['同保留编码的单元', 'as the unit that keeps its code'],
  'ed.mergeNeedCode': ['请为合并后的单元指定编码：选择其中一个单元的编码，或输入新编码。',
    'Give the merged unit a code: choose one of the units or type a new one.'],
  'ed.notMerged': ['未合并', 'Not merged'],
  'ed.merging': ['正在合并 …', 'Merging …'],
  'ed.mergeDone': ['已将 {codes} 合并为 {code}{retired}。写入的版本：{versions}。', 'Merged {codes} into {code}{retired}. Versions written: {versions}.'],
  'ed.toolUnreachable': ['{what}：无法连接服务器（{why}）。请重试。', '{what}: cannot reach the server ({why}). Try again.'],
  'ed.warnSentence': ['有 {n} 条校验提示（见下方）。', ' {n} warning{s} (below).'],
  'ed.reloading': ['地图正在重新加载图块。', ' The map is reloading its tiles.'],
  'ed.toolSplit': ['切分', 'split'],
  'ed.toolMerge': ['合并', 'merge'],
  'ed.loadFirst': ['请先载入一个单元再{tool}。', 'Load a unit first to {tool} it.'],
  'ed.saveFirst': ['请先保存或放弃对 {code} 的修改，再{tool}。', 'Save or discard your changes to {code} before you {tool} it.'],
  'ed.cancel': ['取消', 'Cancel'],
  'ed.cancelled': ['已取消。', 'Cancelled.'],
  'ed.hintSplit': ['点击放置切分线 · 再次点击最后一点或按 Enter 结束', 'Click to place the split line · click the last point again or press Enter to finish'],
  'ed.hintSplitConfirm': ['在侧栏中检查两部分，然后确认切分', 'Check the parts in the panel, then confirm the split'],
  'ed.hintMerge': ['点击要合并的同级单元 · 再次点击已选单元可移除', 'Click the siblings to merge · click a picked one again to drop it'],
  'ed.pDetail': ['{what}：{detail}{field}。', '{what}: {detail}{field}.'],
  'ed.p401': ['{what}：服务器不接受此令牌（{detail}）。请在上方输入有效的编辑令牌后重试。',
    '{what}: the server did not accept the token ({detail}). Enter a valid editor token above and try again.'],
  'ed.p403': ['{what}：此令牌无权修改此次编辑涉及的全部单元（{detail}）。需要权限范围覆盖它们的编辑令牌，请联系管理员。',
    '{what}: this token may not change every unit the edit touches ({detail}). It takes an editor token whose scope covers them all; ask an administrator.'],
  'ed.p404': ['{what}：{detail}。可能有人在此期间修改了这些边界，请重新载入该单元。',
    '{what}: {detail}. Someone may have changed these boundaries meanwhile: load the unit again.'],
  'ed.p413': ['{what}：请求过大（{detail}）。', '{what}: the request is too large ({detail}).'],
  'ed.p429': ['{what}：短时间内编辑次数过多。请等待 {secs} 秒后重试。', '{what}: too many edits in a short time. Wait {secs} s and try again.'],
  'ed.p429soon': ['{what}：短时间内编辑次数过多。请稍候几秒再试。', '{what}: too many edits in a short time. Wait a few s and try again.'],
  'ed.pOther': ['{what}：{title} {status}：{detail}{field}。', '{what}: {title} {status}: {detail}{field}.'],
  'ed.error': ['错误', 'error'],
};

const key = 'gridmap.lang';

/** lang is "zh" or "en". */
export function lang() {
  return localStorage.getItem(key) === 'en' ? 'en' : 'zh';
}

/** locale is the chosen language's, for dates and times: "zh-CN" or "en". */
export const locale = () => (lang() === 'en' ? 'en' : 'zh-CN');

/**
 * chinaDay is the YYYY-MM-DD of an instant in China time, whatever the
 * browser's zone: the day the server files and counts things under.
 */
export function chinaDay(ts) {
  return new Date(ts).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
}

/** t returns the word for name in the chosen language, its {key}s filled from vars. */
export function t(name, vars = {}) {
  const w = words[name];
  const s = w ? w[lang() === 'en' ? 1 : 0] : name;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** setLang chooses a language and relabels the page. */
export function setLang(l) {
  localStorage.setItem(key, l);
  applyWords(document);
}

/**
 * applyWords sets the text of every [data-i18n] element under root (its
 * {key}s filled from the JSON of data-i18n-vars), the placeholder of every
 * [data-i18n-ph] and the title of every [data-i18n-title].
 */
export function applyWords(root) {
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n, varsOf(e));
  for (const e of root.querySelectorAll('[data-i18n-ph]')) e.placeholder = t(e.dataset.i18nPh);
  for (const e of root.querySelectorAll('[data-i18n-title]')) e.title = t(e.dataset.i18nTitle);
}

const varsOf = (e) => (e.dataset.i18nVars ? JSON.parse(e.dataset.i18nVars) : {});

/**
 * said returns the attributes that make an element's text the word for name
 * (with vars) in whichever language is chosen later: el(tag, said(…), t(…)).
 */
export function said(name, vars) {
  return vars ? { 'data-i18n': name, 'data-i18n-vars': JSON.stringify(vars) } : { 'data-i18n': name };
}

/** langButton makes button switch languages; onChange runs after. */
export function langButton(button, onChange) {
  const label = () => { button.textContent = lang() === 'en' ? '中文' : 'EN'; };
  label();
  button.addEventListener('click', () => {
    setLang(lang() === 'en' ? 'zh' : 'en');
    label();
    onChange?.();
  });
}
