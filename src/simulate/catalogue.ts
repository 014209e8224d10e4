/**
 * The market the simulator plays in: cities, brands and what they make, product categories with
 * their parts and consumables, the labour and fees on every card, service mixes, names and
 * phrases. Prices are integer fen; brand and city price levels are per-mille factors applied
 * with integer arithmetic.
 */
import type { ComplaintCategory } from '../complaints/domain/complaint.events.js';
import type { PaymentMethod, ServiceType } from '../orders/domain/order.events.js';
import type { ItemKind, RateCardItem } from '../rate-cards/domain/rate-card.events.js';
import { DAY_MS, HOUR_MS } from '../shared/time.js';
import type { Rng } from './rng.js';

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = HOUR_MS;
export const DAY = DAY_MS;
/** China Standard Time: appointments and the daily rhythm follow local hours. */
export const LOCAL_OFFSET = 8 * HOUR;

/** A few dozen cities, largest first: orders fall off with the rank (see World.pickCity). */
export const CITIES = [
  'shanghai', 'beijing', 'shenzhen', 'guangzhou', 'chengdu', 'hangzhou', 'wuhan', 'chongqing', 'nanjing', 'xian',
  'tianjin', 'suzhou', 'changsha', 'zhengzhou', 'qingdao', 'hefei', 'dongguan', 'foshan', 'ningbo', 'xiamen',
  'kunming', 'shenyang', 'dalian', 'jinan', 'fuzhou', 'wuxi', 'harbin', 'changchun', 'nanning', 'guiyang',
  'nanchang', 'shijiazhuang', 'taiyuan', 'lanzhou', 'urumqi', 'haikou',
] as const;

/** Cities with cards of their own (above the nationwide price) for some brands and categories. */
export const CITIES_WITH_OWN_CARDS = 4;

/** [code, name, kind, unit, base price in fen, min quantity, max quantity] */
export type ItemSpec = readonly [string, string, ItemKind, string, number, number, number];

export interface CategorySpec {
  code: string;
  abbr: string;
  weight: number;
  models: readonly string[];
  installFen: number;
  cleanFen: number;
  items: readonly ItemSpec[];
  repairParts: readonly string[];
  repairConsumables: readonly string[];
  kit: readonly string[];
  maintKit: readonly string[];
}

export const CATEGORIES: readonly CategorySpec[] = [
  {
    code: 'air_conditioner', abbr: 'AC', weight: 28, models: ['KFR-26GW', 'KFR-35GW', 'KFR-50LW', 'KFR-72LW'], installFen: 20_000, cleanFen: 12_000,
    items: [
      ['CAP-35UF', '启动电容 35μF', 'part', 'piece', 4_500, 1, 1],
      ['FAN-MOTOR', '室外风机电机', 'part', 'piece', 32_000, 1, 1],
      ['PCB-AC', '主控板', 'part', 'piece', 45_000, 1, 1],
      ['VALVE-4WAY', '四通阀', 'part', 'piece', 28_000, 1, 1],
      ['SENSOR-AC', '温度传感器', 'part', 'piece', 3_500, 1, 2],
      ['BRACKET-AC', '室外机支架', 'part', 'set', 12_000, 1, 1],
      ['GAS-R32', 'R32 冷媒', 'consumable', '100g', 3_000, 2, 6],
      ['PIPE-CU', '铜管', 'consumable', 'm', 6_500, 1, 4],
      ['HOSE-DRAIN', '排水管', 'consumable', 'm', 500, 1, 3],
    ],
    repairParts: ['CAP-35UF', 'FAN-MOTOR', 'PCB-AC', 'VALVE-4WAY', 'SENSOR-AC'], repairConsumables: ['GAS-R32'],
    kit: ['PIPE-CU', 'BRACKET-AC', 'HOSE-DRAIN'], maintKit: ['GAS-R32'],
  },
  {
    code: 'water_heater', abbr: 'WH', weight: 16, models: ['JSQ25-13', 'JSQ30-16', 'EWH-60', 'EWH-80'], installFen: 15_000, cleanFen: 10_000,
    items: [
      ['HEAT-ELEM', '加热管', 'part', 'piece', 18_000, 1, 1],
      ['THERMO-WH', '温控器', 'part', 'piece', 9_500, 1, 1],
      ['VALVE-SAFE', '安全阀', 'part', 'piece', 5_500, 1, 1],
      ['IGNITER-WH', '脉冲点火器', 'part', 'piece', 7_500, 1, 1],
      ['FAN-WH', '燃热风机', 'part', 'piece', 26_000, 1, 1],
      ['ANODE-MG', '镁棒', 'consumable', 'piece', 6_800, 1, 1],
      ['SEAL-WH', '密封圈', 'consumable', 'piece', 800, 1, 3],
      ['HOSE-WH', '不锈钢进水软管', 'consumable', 'piece', 2_500, 1, 2],
      ['VALVE-MIX', '混水阀', 'part', 'piece', 9_800, 1, 1],
    ],
    repairParts: ['HEAT-ELEM', 'THERMO-WH', 'VALVE-SAFE', 'IGNITER-WH', 'FAN-WH'], repairConsumables: ['SEAL-WH'],
    kit: ['HOSE-WH', 'VALVE-MIX'], maintKit: ['ANODE-MG'],
  },
  {
    code: 'range_hood', abbr: 'RH', weight: 10, models: ['CXW-200', 'CXW-218', 'CXW-258', 'CXW-300'], installFen: 18_000, cleanFen: 15_000,
    items: [
      ['MOTOR-RH', '吸油烟机电机', 'part', 'piece', 38_000, 1, 1],
      ['SWITCH-RH', '按键开关板', 'part', 'piece', 6_500, 1, 1],
      ['CAP-RH', '电机电容', 'part', 'piece', 3_500, 1, 1],
      ['LAMP-RH', '照明灯', 'part', 'piece', 2_500, 1, 2],
      ['FILTER-RH', '油网', 'consumable', 'piece', 4_800, 1, 2],
      ['OILCUP', '油杯', 'consumable', 'piece', 1_200, 1, 1],
      ['DUCT-RH', '排烟管', 'consumable', 'm', 3_500, 1, 3],
      ['VALVE-CHECK', '止逆阀', 'part', 'piece', 4_500, 1, 1],
    ],
    repairParts: ['MOTOR-RH', 'SWITCH-RH', 'CAP-RH', 'LAMP-RH'], repairConsumables: ['OILCUP'],
    kit: ['DUCT-RH', 'VALVE-CHECK'], maintKit: ['FILTER-RH', 'OILCUP'],
  },
  {
    code: 'gas_stove', abbr: 'GS', weight: 8, models: ['JZT-2E', 'JZT-3G', 'JZY-2B', 'JZT-5Q'], installFen: 8_000, cleanFen: 6_000,
    items: [
      ['IGNITER', '点火针', 'part', 'piece', 4_500, 1, 2],
      ['THERMOCOUPLE', '熄火保护热电偶', 'part', 'piece', 3_800, 1, 2],
      ['BURNER-CAP', '炉头火盖', 'part', 'set', 6_500, 1, 1],
      ['VALVE-GS', '旋塞阀', 'part', 'piece', 12_000, 1, 1],
      ['BATTERY-D', '1 号电池', 'consumable', 'piece', 500, 1, 2],
      ['HOSE-GAS', '燃气软管', 'consumable', 'm', 3_000, 1, 2],
      ['CLAMP-GS', '管卡', 'consumable', 'piece', 300, 2, 2],
    ],
    repairParts: ['IGNITER', 'THERMOCOUPLE', 'BURNER-CAP', 'VALVE-GS'], repairConsumables: ['BATTERY-D'],
    kit: ['HOSE-GAS', 'CLAMP-GS'], maintKit: ['BATTERY-D'],
  },
  {
    code: 'washing_machine', abbr: 'WM', weight: 15, models: ['XQG80-14', 'XQG100-12', 'XQB90-36', 'XQG120-HB'], installFen: 6_000, cleanFen: 9_000,
    items: [
      ['PUMP-DRAIN', '排水泵', 'part', 'piece', 12_000, 1, 1],
      ['BELT-WM', '传动皮带', 'part', 'piece', 4_500, 1, 1],
      ['BEARING-WM', '轴承组件', 'part', 'set', 22_000, 1, 1],
      ['SEAL-DOOR', '门封圈', 'part', 'piece', 15_000, 1, 1],
      ['PCB-WM', '电脑板', 'part', 'piece', 38_000, 1, 1],
      ['HOSE-WM', '进水管', 'consumable', 'piece', 2_800, 1, 1],
      ['HOSE-OUT', '排水管', 'consumable', 'piece', 1_800, 1, 1],
      ['DETERGENT-CL', '槽清洁剂', 'consumable', 'bottle', 1_500, 1, 2],
    ],
    repairParts: ['PUMP-DRAIN', 'BELT-WM', 'BEARING-WM', 'SEAL-DOOR', 'PCB-WM'], repairConsumables: ['HOSE-WM'],
    kit: ['HOSE-WM', 'HOSE-OUT'], maintKit: ['DETERGENT-CL'],
  },
  {
    code: 'refrigerator', abbr: 'RF', weight: 12, models: ['BCD-216', 'BCD-405', 'BCD-521', 'BCD-630'], installFen: 5_000, cleanFen: 8_000,
    items: [
      ['COMP-RF', '压缩机', 'part', 'piece', 85_000, 1, 1],
      ['THERMO-RF', '温控器', 'part', 'piece', 8_500, 1, 1],
      ['HEATER-DF', '化霜加热器', 'part', 'piece', 9_800, 1, 1],
      ['FAN-RF', '冷凝风机', 'part', 'piece', 12_000, 1, 1],
      ['SEAL-RF', '门封条', 'part', 'piece', 11_000, 1, 1],
      ['GAS-R600A', 'R600a 冷媒', 'consumable', '100g', 4_000, 1, 3],
      ['FILTER-RF', '净味滤芯', 'consumable', 'piece', 3_500, 1, 1],
      ['FEET-RF', '调节脚', 'consumable', 'piece', 1_000, 2, 4],
    ],
    repairParts: ['COMP-RF', 'THERMO-RF', 'HEATER-DF', 'FAN-RF', 'SEAL-RF'], repairConsumables: ['GAS-R600A'],
    kit: ['FEET-RF'], maintKit: ['FILTER-RF'],
  },
  {
    code: 'tv', abbr: 'TV', weight: 11, models: ['55V8', '65Q10', '75C12', '85X9'], installFen: 10_000, cleanFen: 6_000,
    items: [
      ['PCB-TV', '主板', 'part', 'piece', 48_000, 1, 1],
      ['BACKLIGHT', '背光灯条', 'part', 'set', 26_000, 1, 1],
      ['PSU-TV', '电源板', 'part', 'piece', 32_000, 1, 1],
      ['TCON-TV', '逻辑板', 'part', 'piece', 18_000, 1, 1],
      ['REMOTE', '遥控器', 'part', 'piece', 6_000, 1, 1],
      ['MOUNT-TV', '壁挂架', 'part', 'set', 9_000, 1, 1],
      ['SCREW-KIT', '安装螺丝包', 'consumable', 'set', 500, 1, 1],
      ['HDMI-CABLE', 'HDMI 线', 'consumable', 'piece', 3_500, 1, 1],
    ],
    repairParts: ['PCB-TV', 'BACKLIGHT', 'PSU-TV', 'TCON-TV', 'REMOTE'], repairConsumables: ['HDMI-CABLE'],
    kit: ['MOUNT-TV', 'SCREW-KIT'], maintKit: [],
  },
];

export const CATEGORY_BY_CODE = new Map(CATEGORIES.map((c) => [c.code, c]));

/** Brands of the trade, how much of the work is theirs, their price level (per mille) and what they make. */
export interface BrandSpec {
  code: string;
  weight: number;
  pricePermille: number;
  categories: readonly string[];
}

export const BRANDS: readonly BrandSpec[] = [
  { code: 'midea', weight: 18, pricePermille: 1000, categories: ['air_conditioner', 'water_heater', 'range_hood', 'gas_stove', 'washing_machine', 'refrigerator'] },
  { code: 'haier', weight: 16, pricePermille: 1050, categories: ['air_conditioner', 'water_heater', 'washing_machine', 'refrigerator', 'tv', 'range_hood'] },
  { code: 'gree', weight: 14, pricePermille: 1050, categories: ['air_conditioner', 'water_heater', 'refrigerator'] },
  { code: 'tcl', weight: 9, pricePermille: 950, categories: ['tv', 'air_conditioner', 'washing_machine', 'refrigerator'] },
  { code: 'hisense', weight: 7, pricePermille: 1000, categories: ['tv', 'air_conditioner', 'refrigerator'] },
  { code: 'littleswan', weight: 5, pricePermille: 1000, categories: ['washing_machine'] },
  { code: 'skyworth', weight: 4, pricePermille: 950, categories: ['tv'] },
  { code: 'aosmith', weight: 7, pricePermille: 1250, categories: ['water_heater'] },
  { code: 'rinnai', weight: 5, pricePermille: 1300, categories: ['water_heater', 'gas_stove'] },
  { code: 'vatti', weight: 6, pricePermille: 900, categories: ['range_hood', 'gas_stove', 'water_heater'] },
  { code: 'fotile', weight: 5, pricePermille: 1200, categories: ['range_hood', 'gas_stove'] },
  { code: 'robam', weight: 4, pricePermille: 1150, categories: ['range_hood', 'gas_stove'] },
  { code: 'supor', weight: 4, pricePermille: 900, categories: ['range_hood', 'gas_stove'] },
  { code: 'wanhe', weight: 6, pricePermille: 850, categories: ['water_heater', 'range_hood', 'gas_stove'] },
  { code: 'macro', weight: 6, pricePermille: 850, categories: ['water_heater', 'range_hood', 'gas_stove'] },
];

/** Labour and fees on every card. */
function commonItems(c: CategorySpec): ItemSpec[] {
  return [
    ['LAB-DIAG', '上门检测', 'labor', 'visit', 5_000, 1, 1],
    ['LAB-REPAIR', '维修工时', 'labor', 'hour', 8_000, 1, 2],
    ['LAB-INSTALL', '标准安装', 'labor', 'unit', c.installFen, 1, 1],
    ['LAB-UNINSTALL', '旧机拆卸', 'labor', 'unit', 5_000, 1, 1],
    ['LAB-CLEAN', '深度清洗', 'labor', 'unit', c.cleanFen, 1, 1],
    ['LAB-MAINT', '保养检修', 'labor', 'unit', 9_000, 1, 1],
    ['FEE-VISIT', '上门费', 'fee', 'visit', 3_000, 1, 1],
    ['FEE-HIGH', '高空作业费', 'fee', 'job', 10_000, 1, 1],
    ['FEE-HAUL', '旧机搬运费', 'fee', 'unit', 5_000, 1, 1],
  ];
}

/**
 * Charges engineers ask for that no published card lists (辅材费, 加急费, 夜间费 ...): the classic
 * on-site overcharge, which rule 2 refuses (RATE_CARD_ITEM_NOT_FOUND).
 */
export const OFF_CARD_CHARGES = ['FEE-MATERIAL', 'FEE-URGENT', 'FEE-NIGHT', 'FEE-DISPOSAL', 'LAB-EXTRA'] as const;

/** Per category, its items and then the common labour and fees by code (the first of a code wins). */
const specsByCategory = new Map<CategorySpec, Map<string, ItemSpec>>();

export function specOf(category: CategorySpec, code: string): ItemSpec {
  let specs = specsByCategory.get(category);
  if (!specs) {
    specs = new Map();
    for (const spec of [...category.items, ...commonItems(category)]) if (!specs.has(spec[0])) specs.set(spec[0], spec);
    specsByCategory.set(category, specs);
  }
  const spec = specs.get(code);
  if (!spec) throw new Error(`simulate: no item ${code} for ${category.code}`);
  return spec;
}

/** fen x permille / 1000, rounded to whole yuan above 10 yuan and to jiao below (integer arithmetic). */
function scaleFen(fen: number, permille: number): number {
  const exact = Math.floor((fen * permille + 500) / 1000);
  return roundFen(exact);
}

/** Prices in whole yuan above 10 yuan, in jiao below (integers in, integers out). */
export function roundFen(fen: number): number {
  const whole = Math.trunc(fen);
  if (whole >= 1_000) return Math.floor((whole + 50) / 100) * 100;
  return Math.max(10, Math.floor((whole + 5) / 10) * 10);
}

/** The items of a card for one category at a price level (per mille of the base prices). */
export function cardItems(category: CategorySpec, permille: number): RateCardItem[] {
  const seen = new Set<string>();
  const items: RateCardItem[] = [];
  for (const [code, name, kind, unit, base] of [...commonItems(category), ...category.items]) {
    if (seen.has(code)) continue;
    seen.add(code);
    items.push({ code, name, kind, unit, unitPriceFen: scaleFen(base, permille) });
  }
  return items;
}

export const SERVICE_MIX: readonly (readonly [ServiceType, number])[] = [
  ['repair', 50],
  ['install', 19],
  ['clean', 13],
  ['maintain', 7],
  ['inspect', 4],
  ['trade_in', 7],
];

/** Share of orders sold as one-price packages (一价全包), by service type: about a third overall. */
export const PACKAGE_SHARE: Record<ServiceType, number> = { repair: 0.17, install: 0.62, clean: 0.72, maintain: 0.62, inspect: 0.1, trade_in: 0.45 };

export const PAYMENT_MIX: readonly (readonly [PaymentMethod, number])[] = [
  ['wechat', 52],
  ['alipay', 30],
  ['card', 6],
  ['cash', 8],
  ['bank_transfer', 1],
  ['app', 3],
];

/** A mainland mobile number: 1, a second digit from those in use, nine more. */
export function mobileNumber(rng: Rng): string {
  return `1${rng.pick(['3', '5', '7', '8', '9'])}${rng.digits(9)}`;
}

export const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'];
export const GIVEN = ['建国', '伟', '强', '磊', '军', '洋', '勇', '杰', '涛', '明', '超', '刚', '平', '辉', '鹏', '华', '飞', '鑫', '波', '斌'];
export const DISTRICTS = ['东城区', '西城区', '南湖区', '北苑区', '高新区', '经开区', '滨江区', '新城区'];
export const ROADS = ['人民路', '解放路', '中山路', '建设路', '和平路', '长江路', '新华路', '文化路', '胜利路', '幸福路', '光明路', '青年路'];

export const CANCEL_REASONS = [
  'customer no longer needs the visit',
  'booked twice by mistake',
  'customer fixed it themselves',
  'appointment clash, customer will rebook',
];

export const RATING_COMMENTS: Record<number, readonly string[]> = {
  5: ['师傅很专业，准时到达', '收费透明，和报价一致', '服务态度很好，清理了现场'],
  4: ['整体不错，稍微晚了一点', '修好了，价格略贵'],
  3: ['一般，沟通不太顺畅', '等了比较久'],
  2: ['迟到很久，也没有提前通知', '问题没有完全解决'],
  1: ['收费和报价不一致', '态度差，不推荐'],
};

export const COMPLAINT_TEXT: Record<ComplaintCategory, readonly string[]> = {
  overcharge: ['现场收费高于报价，要求退还差价', '师傅要求额外支付辅材费', '上门费被收了两次'],
  no_show: ['预约时间已过，师傅没有上门也没有联系'],
  late: ['师傅迟到超过一小时，耽误了上班', '改约两次仍然迟到'],
  workmanship: ['维修后问题复现，要求返修或退款', '安装不牢固，机器有异响'],
  damage: ['安装过程中损坏了墙面和地板', '搬运时刮花了柜门'],
  fake_part: ['怀疑更换的配件不是原厂件'],
  conduct: ['师傅服务态度恶劣', '师傅在室内吸烟'],
  other: ['对服务流程不满意', '预约电话一直打不通'],
};
