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
  population: ['人口', 'population'],
  version: ['版本', 'version'],
  validFrom: ['生效日期', 'valid from'],
  history: ['历史版本', 'history'],
  status: ['状态', 'status'],
  managedBy: ['管理单位', 'managed by'],
  responsible: ['负责单位', 'responsible'],
  // Punctuation between words: Chinese full-width, English half-width and spaced.
  colon: ['：', ': '], comma: ['，', ', '],
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
  // The unit panel (panel.js): its chain's links, its properties, a unit gone.
  chainPick: ['选择{name}：显示其信息并在地图上高亮', 'select {name}: show it here and highlight it on the map'],
  unitProps: ['属性', 'Attributes'],
  propsMore: ['另有 {n} 项属性', '{n} more attribute{s}'],
  showAll: ['展开全文', 'show all'],
  showLess: ['收起', 'show less'],
  yes: ['是', 'yes'],
  no: ['否', 'no'],
  reason: ['成因', 'reason'],
  area: ['面积', 'area'],
  unitGone: ['此单元已无现行版本（已停用，或已被合并、切分）', 'this unit has no current version (retired, merged or split)'],
  unitUnread: ['无法读取此单元的详情', 'cannot read this unit\'s details'],
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
  mapNote: ['点击下级单元钻取 · 点击案件查看详情 · 新上报在地图上闪烁', 'click a unit to drill down, a case to see it · new reports flash on the map'],
  // the map's legend (screen-legend.js): density cells below z14, case points from z14
  legendCells: ['未办结案件 · 每格', 'open cases per cell'], legendAllClosed: ['均已办结', 'all closed'], legendCases: ['案件', 'cases'],
  reported: ['上报', 'reported'],
  closedOf: ['已结案', 'closed'],
  // Patrol coverage is two measures: the share of the area walked (the
  // figure, so labelled) and how many grids were entered at all (the sub-line).
  patrolLabel: ['今日巡查面积覆盖', 'area patrolled today'],
  patrolSub: ['已巡网格 {n}/{of}', 'grids visited {n}/{of}'],
  patrolNoGrids: ['未划分网格', 'no grids here'],
  // the charts' empty states
  noCases30: ['暂无数据 · 近30日无案件', 'no data · no cases in 30 days'],
  noChildren: ['暂无数据 · 无下级单元', 'no data · no units below this one'],
  noChildCases: ['暂无数据 · 下级单元均无案件', 'no data · no cases in the units below'],
  dispatchedTo: ['→ {who}', '→ {who}'],
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
  tokenRefused: ['此令牌被服务器拒绝（已过期、已吊销或无效），本页已将其清除', 'The server refuses this token (expired, revoked or invalid); this screen has forgotten it.'],
  tokenAsk: ['输入新的大屏令牌', 'a new screen token'], tokenUse: ['使用此令牌', 'use this token'],
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
  // plural in English and nothing in Chinese (t derives it from n).
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
  'ed.tokenSet': ['令牌有效，已为此标签页设置。', 'Valid token, set for this browser tab.'],
  // The token checked as it is entered (edit-token.js, GET /v1/me).
  'ed.tokenChecking': ['正在向服务器校验令牌…', 'Checking the token with the server…'],
  'ed.tokenRefused': ['未使用此令牌：服务器不接受它（{detail}）。它可能输入有误、已过期或已吊销。',
    'Token not used: the server refuses it ({detail}). It may be mistyped, expired or revoked.'],
  'ed.tokenRefusedKept': ['未使用此令牌：服务器不接受它（{detail}）。它可能输入有误、已过期或已吊销；仍使用之前设置的令牌。',
    'Token not used: the server refuses it ({detail}). It may be mistyped, expired or revoked; the token set before stays.'],
  'ed.tokenCannotEdit': ['令牌有效，已设置；但此{role}令牌不能编辑边界，保存会被拒绝。', 'Valid token, set; but this {role} token cannot edit boundaries: saves would be refused.'],
  'ed.tokenUnchecked': ['已设置令牌，但暂时无法向服务器校验（{why}）：保存时校验。', 'Token set, but the server cannot be asked about it now ({why}): it is checked when you save.'],
  'ed.tokenUncheckedState': ['已设置令牌，尚未能校验（{why}）。', 'A token is set; it could not be checked ({why}).'],
  'ed.tokenStoredRefused': ['✗ 服务器不接受此标签页的令牌（{detail}）：请输入有效的令牌。', '✗ The server refuses this tab\'s token ({detail}): enter a valid one.'],
  'ed.tokenValid': ['✓ 令牌有效：{name}', '✓ Valid token: {name}'],
  'ed.tokenRole': ['角色：{role}', 'role: {role}'],
  'ed.tokenScope': ['范围：{scope}', 'scope: {scope}'],
  'ed.tokenExpires': ['有效期至 {day}', 'expires {day}'],
  'ed.scopeAll': ['全部', 'everywhere'],
  'ed.scopeUnit': ['{name}（{code}）', '{name} ({code})'],
  'ed.mayEditAll': ['可编辑所有边界。', 'It may edit every boundary.'],
  'ed.mayEditIn': ['可编辑{scope}范围内的边界。', 'It may edit the boundaries within {scope}.'],
  'ed.mayNotEdit': ['⚠ 此{role}令牌不能编辑边界：保存会被拒绝。请使用编辑员令牌。', '⚠ This {role} token cannot edit boundaries: saves would be refused. Use an editor\'s token.'],
  'ed.tokenReplace': ['输入另一个令牌可替换，提交空值可清除。', 'Enter another token to replace it, or an empty one to forget it.'],
  'role.admin': ['管理员', 'administrator'], 'role.editor': ['编辑员', 'editor'], 'role.reporter': ['上报员', 'reporter'], 'role.viewer': ['查看员', 'viewer'],
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
  // A finding said in Chinese from its fields (import.js gist); English reads the server's message.
  'wg.overlap': ['与 {other} 重叠 {area}', ''], 'wg.gap': ['下级单元未覆盖其中 {area}：失管空白', ''],
  'wg.sliver': ['下级单元之间有细缝（发丝般的空隙或重叠），共 {area}', ''],
  'wg.sliver.before': ['下级单元之间已有的细缝，共 {area}：本文件之前即已存在，见审计', ''],
  'wg.outside_parent': ['超出上级 {other} 的范围 {area}', ''], 'wg.outside_parent.in': ['超出上级 {other} 的范围 {area}，落在 {in}', ''],
  'wg.outside_scope': ['有 {area} 在令牌可修改的范围之外', ''], 'wg.repaired': ['几何无效，已自动修复（面积见下）', ''],
  'wg.orphaned': ['停用后仍有现行下级单元以其为上级', ''], 'wg.out_of_range': ['坐标与所声明的坐标系不符：坐标系可能有误', ''],
  'wg.coverage_checks': ['已对无错误的要素做覆盖校验（空白、重叠、细缝）', ''],
  'wg.property_named': ['文件中的属性列改用系统的标准属性名保存', ''], 'wg.srs_overridden': ['文件自带的坐标系已被导入选项 srs 取代', ''],
  'wg.datum_shift': ['西安80、北京54 坐标系在 PostGIS 中没有公开的基准转换参数，位置可能偏差数十米；如可能请以 CGCS2000 重新导出', ''], 'wg.kept_properties': ['文件中没有的已存属性予以保留', ''],
  'wg.unknown_parent': ['上级单元既不在文件中，也不是现行单元', ''], 'wg.parent_mismatch': ['上级与编码前缀不符', ''],
  'wg.duplicate_code': ['编码与文件中另一要素重复', ''], 'wg.bad_code': ['编码不合规或不在可修改范围内', ''],
  'wg.missing_field': ['缺少编码或名称', ''], 'wg.empty_geometry': ['没有几何', ''], 'wg.not_polygonal': ['几何不是面', ''],
  'wg.invalid_geometry': ['几何无效且无法修复', ''], 'wg.unreadable': ['无法读取', ''],
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
  // Importing boundary files in the console (import.js); kinds of findings beyond the wk.* above.
  'im.title': ['导入边界文件', 'Import boundary files'], 'im.drop': ['将文件拖放到此处，或', 'Drop files here, or'], 'im.pick': ['选择文件…', 'Choose files…'],
  'im.kinds': ['.zip、.geojson/.json、.gpkg，或 Shapefile 的 .shp .shx .dbf .prj .cpg（最多 10 个文件）', '.zip, .geojson/.json, .gpkg, or a shapefile\'s .shp .shx .dbf .prj .cpg (up to 10 files)'],
  'im.remove': ['移除', 'Remove'], 'im.clear': ['清空文件', 'Clear files'], 'im.cancel': ['取消上传', 'Cancel upload'], 'im.level': ['层级', 'Level'],
  'im.autoLevel': ['自动（按编码）', 'auto (by code)'], 'im.srs': ['坐标系', 'Coordinate system'], 'im.autoSrs': ['自动（.prj）', 'auto (.prj)'],
  'im.encoding': ['属性编码', 'Attribute encoding'], 'im.autoEnc': ['自动检测', 'detect'], 'im.layer': ['图层', 'Layer'], 'im.layerPh': ['GeoPackage 图层', 'GeoPackage layer'],
  'im.strict': ['严格：有校验提示也不导入', 'Strict: warnings stop the import too'], 'im.retire': ['停用文件中没有的现行单元', 'Retire current units the file does not contain'],
  'im.scope': ['仅停用此单元以下的', 'Retire only under'], 'im.scopePh': ['单元编码，如 120104', 'a unit code, e.g. 120104'], 'im.more': ['字段对应与容差', 'Field names and tolerance'],
  'im.guess': ['留空自动识别', 'empty: guessed'], 'im.f.code_field': ['编码字段', 'Code field'], 'im.f.name_field': ['名称字段', 'Name field'], 'im.f.parent_field': ['上级编码字段', 'Parent code field'],
  'im.f.level_field': ['层级字段', 'Level field'], 'im.f.props': ['保留属性（逗号分隔，* 为全部）', 'Properties kept (comma-separated, * for all)'],
  'im.f.managing_field': ['管理单位字段（飞地）', 'Managing unit field (enclaves)'], 'im.f.status_field': ['状态字段（飞地）', 'Status field (enclaves)'],
  'im.f.reason_field': ['成因字段（飞地）', 'Reason field (enclaves)'], 'im.f.min_area': ['细缝面积阈值 m²', 'Sliver below m²'], 'im.f.min_width': ['细缝宽度阈值 m', 'Sliver below m wide'],
  'im.dry': ['仅校验（试运行，不写入任何数据）', 'Check only (a dry run: nothing is written)'], 'im.check': ['校验', 'Check'], 'im.import': ['导入', 'Import'], 'im.busy': ['处理中…', 'Working…'],
  'im.wait': ['请等待 {secs} 秒', 'Wait {secs} s'], 'im.uploading': ['正在上传 {pct}% …', 'Uploading {pct}% …'], 'im.queued': ['已提交任务 #{id}，正在处理 …', 'Job #{id} sent; working …'],
  'im.st.queued': ['排队中', 'queued'], 'im.st.running': ['处理中', 'running'], 'im.st.succeeded': ['已导入', 'imported'], 'im.st.dry_run': ['校验完成', 'checked'], 'im.st.rejected': ['未导入', 'rejected'],
  'im.st.failed': ['失败', 'failed'], 'im.st.interrupted': ['已中断', 'interrupted'],
  'im.done.dry_run': ['校验完成：{errors} 个错误，{warnings} 条提示。未写入任何数据。', 'Checked: {errors} error{errorsS}, {warnings} warning{warningsS}. Nothing was written.'],
  'im.done.succeeded': ['已导入：新建 {created}，修改 {changed}，停用 {retired}。地图正在重新加载图块。', 'Imported: {created} created, {changed} changed, {retired} retired. The map is reloading its tiles.'],
  'im.done.rejected': ['未导入：{why}', 'Not imported: {why}'], 'im.rejectedN': ['{errors} 个错误，{warnings} 条提示，未写入任何数据', '{errors} error{errorsS}, {warnings} warning{warningsS}; nothing was written'], 'im.done.failed': ['导入失败：{why}', 'The import failed: {why}'],
  'im.done.interrupted': ['导入中断：{why}', 'The import was interrupted: {why}'], 'im.m.format': ['格式', 'format'], 'im.m.crs': ['坐标系', 'CRS'], 'im.m.encoding': ['编码', 'encoding'],
  'im.m.levels': ['层级', 'levels'], 'im.m.took': ['耗时', 'took'], 'im.countsIf': ['若正式导入：', 'An import would:'], 'im.countsRead': ['文件中：', 'In the file:'], 'im.countsDone': ['本次导入：', 'This import:'], 'im.c.features': ['要素', 'features'],
  'im.c.created': ['新建', 'created'], 'im.c.changed': ['修改', 'changed'], 'im.c.unchanged': ['未变', 'unchanged'], 'im.c.retired': ['停用', 'retired'], 'im.c.repaired': ['已修复', 'repaired'],
  'im.findings': ['{errors} 个错误 · {warnings} 条提示 · {notes} 条说明', '{errors} error{errorsS} · {warnings} warning{warningsS} · {notes} note{notesS}'], 'im.none': ['未发现问题。', 'No problems found.'],
  'im.sev.error': ['错误', 'error'], 'im.sev.warning': ['提示', 'warning'], 'im.sev.note': ['说明', 'note'], 'im.wholeFile': ['整个文件', 'whole file'],
  'im.moreIssues': ['另有 {n} 条，见完整报告', '{n} more in the full report'], 'im.download': ['下载完整报告（JSON）', 'Download the full report (JSON)'],
  'im.commitHelp': ['校验无错误。可用同样的文件和选项正式导入：全部写入，或全部不写入。', 'No errors. Import the same files with the same options for real: all of it is written, or none.'],
  'im.commit': ['正式导入', 'Import for real'], 'im.confirmRetire': ['此次导入将停用 {n} 个单元。继续？', 'This import retires {n} units. Go on?'],
  'im.strictStops': ['已选严格模式且有校验提示：正式导入会被拒绝。', 'Strict is on and there are warnings: a real import would be refused.'],
  'im.stale': ['文件或选项在校验后已更改，请重新校验。', 'The files or options changed since this check: check again.'], 'im.e400': ['未提交：{detail}{field}', 'Not sent: {detail}{field}'],
  'im.e401': ['未提交：服务器不接受此令牌（{detail}）{field}。请在编辑模式中输入有效的编辑令牌。', 'Not sent: the server did not accept the token ({detail}){field}. Enter a valid editor token in edit mode.'],
  'im.e403': ['未提交：此令牌无权导入边界（{detail}）{field}。', 'Not sent: this token may not import boundaries ({detail}){field}.'],
  'im.e413': ['未提交：上传超过服务器允许的大小（{detail}）{field}。可分批导入。', 'Not sent: the upload is larger than the server takes ({detail}){field}. Import it in parts.'],
  'im.e429': ['未提交：短时间内请求过多。请等待 {secs} 秒后重试。', 'Not sent: too many requests in a short time. Wait {secs} s and try again.'],
  'im.e503': ['服务器暂时无法接收导入（{detail}）{field}。请 {secs} 秒后重试。', 'The server cannot take an import now ({detail}){field}. Try again in {secs} s.'],
  'im.eOther': ['未提交：HTTP {status}：{detail}{field}', 'Not sent: HTTP {status}: {detail}{field}'],
  'im.unreachable': ['未提交：无法连接服务器或连接中断。请重试。', 'Not sent: cannot reach the server, or the connection broke. Try again.'], 'im.cancelled': ['已取消上传。', 'Upload cancelled.'],
  'im.reconnecting': ['与服务器的连接中断，正在重新查看任务 #{id} …', 'Lost the server; asking about job #{id} again …'], 'im.lost': ['无法查看任务 #{id}：{detail}', 'Cannot follow job #{id}: {detail}'],
  'im.skipped': ['已跳过不支持的文件：{names}', 'Skipped files of other types: {names}'],
  'im.sideFiles': ['未加入 ArcGIS/QGIS 的辅助文件（导入用不到）：{names}', 'Left out the ArcGIS/QGIS side files (an import needs none): {names}'],
  'im.retiredIf': ['将停用 {n} 个单元：', 'Would retire {n} unit{s}:'], 'im.retiredDone': ['已停用 {n} 个单元：', 'Retired {n} unit{s}:'],
  'im.retiredMore': ['另有 {n} 个', 'and {n} more'], 'im.tooMany': ['一次最多 {n} 个文件。', 'At most {n} files at once.'],
  'im.tooBig': ['总大小超过 {size}。', 'Over {size} in all.'], 'im.shpMissing': ['{shp} 缺少 {parts}', '{shp} lacks {parts}'],
  'im.noPrj': ['{shp} 没有 .prj：请选择坐标系', '{shp} has no .prj: choose its coordinate system'], 'wk.unreadable': ['无法读取', 'unreadable'], 'wk.missing_field': ['缺少字段', 'missing field'],
  'wk.bad_code': ['编码错误', 'bad code'], 'wk.duplicate_code': ['编码重复', 'duplicate code'], 'wk.empty_geometry': ['无几何', 'no geometry'], 'wk.not_polygonal': ['非面要素', 'not polygons'],
  'wk.out_of_range': ['坐标超出范围', 'out of range'], 'wk.invalid_geometry': ['几何无效', 'invalid geometry'], 'wk.outside_scope': ['超出令牌范围', 'outside scope'],
  'wk.unknown_parent': ['上级不存在', 'unknown parent'], 'wk.unknown_managing_unit': ['管理单位不存在', 'unknown managing unit'], 'wk.outside_districts': ['超出各区', 'outside the districts'],
  'wk.property_named': ['改用标准属性名', 'property named'], 'wk.srs_overridden': ['坐标系已替换', 'srs overridden'], 'wk.datum_shift': ['基准未转换', 'no datum shift'], 'wk.not_an_enclave': ['非飞地', 'not an enclave'], 'wk.bad_status': ['状态错误', 'bad status'], 'wk.coverage_checks': ['覆盖校验', 'coverage checks'],
};

const key = 'gridmap.lang';

/**
 * addWords adds a module's own words (name: [Chinese, English]) to those t
 * and applyWords read: a part of a page with many words keeps them beside
 * it (the big screen's case card: screen-case-words.js). A name already
 * here is not replaced.
 */
export function addWords(more) {
  for (const [name, w] of Object.entries(more)) words[name] ??= w;
}

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

/**
 * t returns the word for name in the chosen language, its {key}s filled
 * from vars. A count in vars gives its English plural ending too: {errorsS}
 * is "s" unless errors is 1, and {s} is n's ("1 unit", "3 units").
 */
export function t(name, vars = {}) {
  const w = words[name];
  const s = w ? w[lang() === 'en' ? 1 : 0] : name;
  const all = { ...vars };
  for (const [k, v] of Object.entries(vars)) if (typeof v === 'number') all[`${k}S`] = v === 1 ? '' : 's';
  if ('nS' in all && !('s' in all)) all.s = all.nS;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in all ? String(all[k]) : m));
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
