/**
 * A deterministic, realistic event history, written straight to an event store (no HTTP): the
 * input of the projection rebuild benchmark and of determinism tests.
 *
 * The history is a discrete-event simulation. Every aggregate's life (an order, a complaint, the
 * onboarding of rate cards and engineers, the stream of new orders) is a generator that yields
 * how long to wait; a heap ordered by (time, sequence) resumes them, so the appends come out in
 * one global time order with many orders in flight at once. Each step builds the command a
 * handler would build (card in force, engineer's dispatchability, thresholds) and asks the real
 * decider for the events, so every payload is exactly what the service would have recorded and a
 * rule the generator forgot shows up as a thrown DomainError instead of a silently wrong history.
 *
 * Same options, same appends, byte for byte: a small seeded PRNG (mulberry32), no Math.random,
 * no clock. Every event carries `recordedAt` explicitly, non-decreasing over the whole history.
 */
import {
  dispatchability,
  engineerDecider,
  type EngineerCommand,
  type EngineerState,
} from '../../src/engineers/domain/engineer.decider.js';
import { type CredentialKind, engineerStream, type ProviderType, type VerifyingParty } from '../../src/engineers/domain/engineer.events.js';
import {
  complaintDecider,
  type ComplaintCommand,
  type ComplaintState,
  type FiledComplaintState,
} from '../../src/complaints/domain/complaint.decider.js';
import {
  type ComplaintCategory,
  complaintStream,
  type LiableParty,
  type ResolutionOutcome,
} from '../../src/complaints/domain/complaint.events.js';
import type { Actor, EventMetadata, NewEvent } from '../../src/event-store/envelope.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import {
  type CardInForce,
  customerChargesFen,
  type OpenOrder,
  type OrderCommand,
  orderDecider,
  type OrderState,
} from '../../src/orders/domain/order.decider.js';
import {
  type CompletionOutcome,
  type Customer,
  type OrderCreated,
  orderStream,
  type PaymentMethod,
  type Product,
  type ServicePackage,
  type ServiceType,
} from '../../src/orders/domain/order.events.js';
import { findItem, type RateCardCommand, rateCardDecider, type RateCardState } from '../../src/rate-cards/domain/rate-card.decider.js';
import { type ItemKind, type RateCardItem, rateCardId, rateCardStream } from '../../src/rate-cards/domain/rate-card.events.js';
import type { DistributiveOmit } from '../../src/shared/decider.js';
import { DAY_MS, HOUR_MS } from '../../src/shared/time.js';

// The API ----------------------------------------------------------------------------------------

export interface HistoryOptions {
  /** Service orders to create; about 12.5 events each, complaints included. */
  orders: number;
  seed: number;
  /** First event's time (ISO); default 2026-01-05T08:00:00.000Z. */
  start?: string;
  /** Default: enough to cover every city x category, and about one per 200 orders. */
  engineers?: number;
  /** Default 12 (at most 20 named ones; more become city_<n>). */
  cities?: number;
}

/** One append, as a command handler would make it. */
export interface HistoryAppend {
  stream: string;
  events: NewEvent[];
  expectedRevision: 'no_stream' | number;
}

export const DEFAULT_HISTORY_START = '2026-01-05T08:00:00.000Z';
/** The supervisor threshold of advance compensation (config default, DESIGN rule 5). */
export const HISTORY_COMPENSATION_THRESHOLD_FEN = 100_000;
/**
 * Appends writeHistory keeps in flight at once, always to different streams. The embedded store
 * commits the appends that arrive together in one transaction, in arrival order, so positions
 * still follow the generated order; PostgreSQL may commit such a group in any order.
 */
export const HISTORY_APPENDS_IN_FLIGHT = 8;

/** Yields the appends of the history, in time order. */
export function* generateHistory(options: HistoryOptions): Generator<HistoryAppend, void, undefined> {
  const world = new World(options);
  world.spawn(setupLife(world), 0);
  yield* world.run();
}

/**
 * Appends the whole history to `store`. `onProgress` hears the running event count about every
 * 1,000 events and once at the end.
 */
export async function writeHistory(
  store: EventStore,
  options: HistoryOptions,
  onProgress?: (events: number) => void,
): Promise<{ events: number; streams: number; orders: number }> {
  let events = 0;
  let streams = 0;
  let reported = 0;
  let batch: HistoryAppend[] = [];
  const inBatch = new Set<string>();
  const flush = async () => {
    await Promise.all(batch.map((a) => store.append(a.stream, a.events, a.expectedRevision)));
    for (const a of batch) {
      events += a.events.length;
      if (a.expectedRevision === 'no_stream') streams++;
    }
    batch = [];
    inBatch.clear();
    if (onProgress && events - reported >= 1000) {
      reported = events;
      onProgress(events);
    }
  };
  for (const append of generateHistory(options)) {
    if (batch.length >= HISTORY_APPENDS_IN_FLIGHT || inBatch.has(append.stream)) await flush();
    batch.push(append);
    inBatch.add(append.stream);
  }
  if (batch.length > 0) await flush();
  if (onProgress && reported !== events) onProgress(events);
  return { events, streams, orders: options.orders };
}

// Randomness -------------------------------------------------------------------------------------

/** mulberry32 over a seed mixed once, so neighbouring seeds start far apart. */
class Rng {
  private a: number;

  constructor(seed: number) {
    let h = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    this.a = (h ^ (h >>> 16)) >>> 0;
  }

  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** A whole number of milliseconds in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(table: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of table) total += w;
    let r = this.next() * total;
    for (const [value, w] of table) {
      r -= w;
      if (r < 0) return value;
    }
    return table[table.length - 1]![0];
  }

  /** Exponentially distributed, with this mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(Math.floor(this.next() * 10));
    return s;
  }
}

// The market -------------------------------------------------------------------------------------

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = HOUR_MS;
const DAY = DAY_MS;
/** China Standard Time: appointments and daily rhythms follow local hours. */
const LOCAL_OFFSET = 8 * HOUR;

const BRANDS: readonly { code: string; weight: number; price: number }[] = [
  { code: 'midea', weight: 18, price: 1.0 },
  { code: 'gree', weight: 14, price: 1.05 },
  { code: 'haier', weight: 16, price: 1.05 },
  { code: 'tcl', weight: 8, price: 0.95 },
  { code: 'aosmith', weight: 8, price: 1.25 },
  { code: 'vatti', weight: 7, price: 0.9 },
  { code: 'rinnai', weight: 6, price: 1.3 },
  { code: 'supor', weight: 6, price: 0.9 },
  { code: 'wanhe', weight: 8, price: 0.85 },
  { code: 'macro', weight: 9, price: 0.85 },
];

const CITY_CODES = [
  'shanghai', 'beijing', 'shenzhen', 'guangzhou', 'hangzhou', 'chengdu', 'wuhan', 'nanjing', 'xian', 'chongqing',
  'tianjin', 'suzhou', 'changsha', 'zhengzhou', 'qingdao', 'hefei', 'xiamen', 'kunming', 'shenyang', 'dalian',
];
/** Cities whose cards differ from the nationwide ones for some brands and categories. */
const CITIES_WITH_OWN_CARDS = 3;

/** [code, name, kind, unit, base price in fen, min quantity, max quantity] */
type ItemSpec = readonly [string, string, ItemKind, string, number, number, number];

interface CategorySpec {
  code: string;
  abbr: string;
  weight: number;
  models: readonly string[];
  install: number;
  clean: number;
  items: readonly ItemSpec[];
  repairParts: readonly string[];
  repairConsumables: readonly string[];
  kit: readonly string[];
  maintKit: readonly string[];
}

const CATEGORIES: readonly CategorySpec[] = [
  {
    code: 'air_conditioner', abbr: 'AC', weight: 28, models: ['KFR-26GW', 'KFR-35GW', 'KFR-50LW', 'KFR-72LW'], install: 20_000, clean: 12_000,
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
    code: 'water_heater', abbr: 'WH', weight: 16, models: ['JSQ25-13', 'JSQ30-16', 'EWH-60', 'EWH-80'], install: 15_000, clean: 10_000,
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
    code: 'range_hood', abbr: 'RH', weight: 10, models: ['CXW-200', 'CXW-218', 'CXW-258', 'CXW-300'], install: 18_000, clean: 15_000,
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
    code: 'gas_stove', abbr: 'GS', weight: 8, models: ['JZT-2E', 'JZT-3G', 'JZY-2B', 'JZT-5Q'], install: 8_000, clean: 6_000,
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
    code: 'washing_machine', abbr: 'WM', weight: 15, models: ['XQG80-14', 'XQG100-12', 'XQB90-36', 'XQG120-HB'], install: 6_000, clean: 9_000,
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
    code: 'refrigerator', abbr: 'RF', weight: 12, models: ['BCD-216', 'BCD-405', 'BCD-521', 'BCD-630'], install: 5_000, clean: 8_000,
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
    code: 'tv', abbr: 'TV', weight: 11, models: ['55V8', '65Q10', '75C12', '85X9'], install: 10_000, clean: 6_000,
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

function pickCategory(rng: Rng): CategorySpec {
  return rng.weighted(CATEGORIES.map((c) => [c, c.weight] as const));
}

/** Labour and fees on every card. */
function commonItems(c: CategorySpec): ItemSpec[] {
  return [
    ['LAB-DIAG', '上门检测', 'labor', 'visit', 5_000, 1, 1],
    ['LAB-REPAIR', '维修工时', 'labor', 'hour', 8_000, 1, 2],
    ['LAB-INSTALL', '标准安装', 'labor', 'unit', c.install, 1, 1],
    ['LAB-UNINSTALL', '旧机拆卸', 'labor', 'unit', 5_000, 1, 1],
    ['LAB-CLEAN', '深度清洗', 'labor', 'unit', c.clean, 1, 1],
    ['LAB-MAINT', '保养检修', 'labor', 'unit', 9_000, 1, 1],
    ['FEE-VISIT', '上门费', 'fee', 'visit', 3_000, 1, 1],
    ['FEE-HIGH', '高空作业费', 'fee', 'job', 10_000, 1, 1],
    ['FEE-HAUL', '旧机搬运费', 'fee', 'unit', 5_000, 1, 1],
  ];
}

const SERVICE_MIX: readonly (readonly [ServiceType, number])[] = [
  ['repair', 50],
  ['install', 19],
  ['clean', 13],
  ['maintain', 7],
  ['inspect', 4],
  ['trade_in', 7],
];
/** Share of orders sold as one-price packages, by service type: about a third overall. */
const PACKAGE_SHARE: Record<ServiceType, number> = { repair: 0.17, install: 0.62, clean: 0.72, maintain: 0.62, inspect: 0.1, trade_in: 0.45 };

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'];
const GIVEN = ['建国', '伟', '强', '磊', '军', '洋', '勇', '杰', '涛', '明', '超', '刚', '平', '辉', '鹏', '华', '飞', '鑫', '波', '斌'];
const DISTRICTS = ['东城区', '西城区', '南湖区', '北苑区', '高新区', '经开区', '滨江区', '新城区'];
const ROADS = ['人民路', '解放路', '中山路', '建设路', '和平路', '长江路', '新华路', '文化路', '胜利路', '幸福路', '光明路', '青年路'];
const PAYMENT_MIX: readonly (readonly [PaymentMethod, number])[] = [
  ['wechat', 52],
  ['alipay', 30],
  ['card', 6],
  ['cash', 8],
  ['bank_transfer', 1],
  ['app', 3],
];
const CANCEL_REASONS = ['customer no longer needs the visit', 'booked twice by mistake', 'quote too high for the customer', 'customer fixed it themselves', 'appointment clash, customer will rebook'];
const RATING_COMMENTS: Record<number, readonly string[]> = {
  5: ['师傅很专业，准时到达', '收费透明，和报价一致', '服务态度很好，清理了现场'],
  4: ['整体不错，稍微晚了一点', '修好了，价格略贵'],
  3: ['一般，沟通不太顺畅', '等了比较久'],
  2: ['迟到很久，也没有提前通知', '问题没有完全解决'],
  1: ['收费和报价不一致', '态度差，不推荐'],
};
const COMPLAINT_TEXT: Record<ComplaintCategory, string> = {
  overcharge: '现场收费高于报价，要求退还差价',
  no_show: '预约时间已过，师傅没有上门也没有联系',
  late: '师傅迟到超过一小时，耽误了上班',
  workmanship: '维修后问题复现，要求返修或退款',
  damage: '安装过程中损坏了墙面和地板',
  fake_part: '怀疑更换的配件不是原厂件',
  conduct: '师傅服务态度恶劣',
  other: '对服务流程不满意',
};

// The simulation ---------------------------------------------------------------------------------

/** A process: its code runs between yields; each yield is how many milliseconds to wait. */
type Life = Generator<number, void, undefined>;

interface Scheduled {
  at: number;
  seq: number;
  life: Life;
}

/** A stream the history writes: its revision so far and the business flow its commands belong to. */
interface Aggregate {
  stream: string;
  revision: number;
  /** Correlation id of the stream's flow: its first command; null when each command is its own flow. */
  flow: string | null;
}

interface Card extends Aggregate {
  id: string;
  state: RateCardState;
  /** effectiveFrom of each version, in ms: the card in force is looked up on every line. */
  effective: number[];
  priceFactor: number;
}

interface Engineer extends Aggregate {
  id: string;
  actor: Actor;
  state: EngineerState;
  cities: string[];
  categories: string[];
  /** Below 1 worse, above 1 better than the average engineer: lateness, fixes, ratings, complaints. */
  quality: number;
  /** Every credential verified by two parties (some engineers are still onboarding). */
  verified: boolean;
  suspended: boolean;
  onSite: number;
  pendingVerification?: EngineerCommand;
}

interface Order extends Aggregate {
  id: string;
  state: OrderState;
  customer: Actor;
  created: OrderCreated['data'];
  category: CategorySpec;
  cards: Card[];
  plan: PlanLine[];
  engineer?: Engineer;
  /** Advance compensation paid on all complaints about this order. */
  compensatedFen: number;
}

interface Complaint extends Aggregate {
  id: string;
  state: ComplaintState;
  compensatedFen: number;
  payments: number;
}

interface PlanLine {
  code: string;
  quantity: number;
  kind: ItemKind;
}

interface Completed {
  orderId: string;
  at: number;
  outcome: CompletionOutcome;
  customer: Customer;
  product: Product;
  serviceType: ServiceType;
}

type OrderRequest = DistributiveOmit<OrderCommand, 'orderId' | 'actor' | 'now'>;
type ComplaintRequest = DistributiveOmit<ComplaintCommand, 'actor' | 'now'>;
type MetaOverride = Partial<Pick<EventMetadata, 'commandId' | 'correlationId' | 'causationId'>>;

const GATEWAY: Actor = { id: 'payment-gateway', role: 'system' };
const ADMIN: Actor = { id: 'admin-1', role: 'admin' };

class World {
  readonly rng: Rng;
  readonly seed: number;
  readonly orders: number;
  readonly engineerOption: number | undefined;
  readonly start: number;
  readonly cities: string[];
  now: number;
  private nowText = '';
  private nowTextAt = Number.NaN;
  private readonly queue: Scheduled[] = [];
  private seq = 0;
  private commands = 0;
  private references = 0;
  private out: HistoryAppend[] = [];

  readonly cards = new Map<string, Card>();
  readonly engineers: Engineer[] = [];
  /** Engineers by `city|category`. */
  readonly serving = new Map<string, Engineer[]>();
  readonly agents: Actor[];
  readonly supervisors: Actor[];
  private readonly staff = new Map<string, Actor>();
  readonly completed: Completed[] = [];
  /** Things that happen when the n-th order is created: price changes, suspensions, late verifications. */
  readonly milestones = new Map<number, (() => void)[]>();
  complaints = 0;
  /** Latest instant a credential must still be valid at. */
  readonly horizon: number;

  constructor(options: HistoryOptions) {
    if (!Number.isSafeInteger(options.orders) || options.orders < 0) throw new RangeError('orders must be a non-negative integer');
    this.seed = options.seed;
    this.rng = new Rng(options.seed);
    this.orders = options.orders;
    this.engineerOption = options.engineers;
    this.start = Date.parse(options.start ?? DEFAULT_HISTORY_START);
    if (Number.isNaN(this.start)) throw new RangeError(`start is not an ISO instant: ${options.start}`);
    this.now = this.start;
    const cityCount = Math.max(1, options.cities ?? 12);
    this.cities = Array.from({ length: cityCount }, (_, i) => CITY_CODES[i] ?? `city_${i + 1}`);
    this.horizon = this.start + options.orders * 3 * MIN + 365 * DAY;
    this.agents = Array.from({ length: 24 }, (_, i) => ({ id: `agent-${i + 1}`, role: 'agent' as const }));
    this.supervisors = Array.from({ length: 5 }, (_, i) => ({ id: `sup-${i + 1}`, role: 'supervisor' as const }));
    for (const a of [...this.agents, ...this.supervisors]) this.staff.set(a.id, a);
  }

  // Time and scheduling

  spawn(life: Life, delay: number): void {
    this.push({ at: this.now + Math.max(0, Math.round(delay)), seq: this.seq++, life });
  }

  *run(): Generator<HistoryAppend, void, undefined> {
    while (this.queue.length > 0) {
      const next = this.pop();
      this.now = next.at;
      const step = next.life.next();
      if (!step.done) {
        next.at = this.now + Math.max(0, Math.round(step.value));
        next.seq = this.seq++;
        this.push(next);
      }
      if (this.out.length > 0) {
        const appends = this.out;
        this.out = [];
        yield* appends;
      }
    }
  }

  iso(): string {
    if (this.nowTextAt !== this.now) {
      this.nowTextAt = this.now;
      this.nowText = new Date(this.now).toISOString();
    }
    return this.nowText;
  }

  /** Milliseconds from now until `at` (never negative). */
  until(at: number): number {
    return Math.max(0, at - this.now);
  }

  private push(item: Scheduled): void {
    const q = this.queue;
    q.push(item);
    let i = q.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(item, q[parent]!)) break;
      q[i] = q[parent]!;
      i = parent;
    }
    q[i] = item;
  }

  private pop(): Scheduled {
    const q = this.queue;
    const top = q[0]!;
    const last = q.pop()!;
    if (q.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= q.length) break;
        const r = l + 1;
        const child = r < q.length && earlier(q[r]!, q[l]!) ? r : l;
        if (!earlier(q[child]!, last)) break;
        q[i] = q[child]!;
        i = child;
      }
      q[i] = last;
    }
    return top;
  }

  // Writing

  private emit(agg: Aggregate, actor: Actor, events: readonly { type: string; data: unknown }[], override: MetaOverride = {}): string {
    if (events.length === 0) throw new Error(`history: a command on ${agg.stream} produced no events`);
    const commandId = override.commandId ?? `gen-${this.seed}-${++this.commands}`;
    if (agg.flow === '') agg.flow = commandId;
    const metadata: EventMetadata = {
      actor,
      commandId,
      correlationId: override.correlationId ?? agg.flow ?? commandId,
      causationId: override.causationId ?? commandId,
    };
    const recordedAt = this.iso();
    this.out.push({
      stream: agg.stream,
      events: events.map((e) => ({ type: e.type, schemaVersion: 1, data: e.data, metadata, recordedAt })),
      expectedRevision: agg.revision < 0 ? 'no_stream' : agg.revision,
    });
    agg.revision += events.length;
    return commandId;
  }

  order(o: Order, actor: Actor, request: OrderRequest, override?: MetaOverride): string {
    const command = Object.assign(request, { orderId: o.id, actor, now: this.iso() }) as OrderCommand;
    const events = orderDecider.decide(command, o.state);
    for (const e of events) o.state = orderDecider.evolve(o.state, e);
    return this.emit(o, actor, events, override);
  }

  complaint(c: Complaint, actor: Actor, request: ComplaintRequest): string {
    const command = Object.assign(request, { actor, now: this.iso() }) as ComplaintCommand;
    const events = complaintDecider.decide(command, c.state);
    for (const e of events) c.state = complaintDecider.evolve(c.state, e);
    return this.emit(c, actor, events);
  }

  engineer(e: Engineer, actor: Actor, command: EngineerCommand): void {
    const events = engineerDecider.decide(command, e.state);
    for (const ev of events) e.state = engineerDecider.evolve(e.state, ev);
    this.emit(e, actor, events);
  }

  publish(card: Card, data: RateCardCommand['data']): void {
    const events = rateCardDecider.decide({ type: 'PublishRateCard', data, now: this.iso() }, card.state);
    for (const e of events) {
      card.state = rateCardDecider.evolve(card.state, e);
      card.effective.push(Date.parse(e.data.effectiveFrom));
    }
    this.emit(card, ADMIN, events);
  }

  // Look-ups

  agent(): Actor {
    return this.rng.pick(this.agents);
  }

  /** Big cities first: the first few cities take most of the orders. */
  pickCity(): string {
    return this.cities[Math.min(this.cities.length - 1, Math.floor(this.rng.exp(this.cities.length / 3)))]!;
  }

  supervisor(): Actor {
    return this.rng.pick(this.supervisors);
  }

  staffActor(id: string): Actor {
    const actor = this.staff.get(id);
    if (!actor) throw new Error(`history: unknown staff member ${id}`);
    return actor;
  }

  reference(prefix: string): string {
    return `${prefix}${4_200_000_000 + ++this.references}`;
  }

  /**
   * What RateCardCatalog.inForce finds: the city's own card, else the nationwide one; of a card,
   * the latest version in force now (versionInForce's rule, on numbers).
   */
  cardFor(o: Order): CardInForce {
    for (const card of o.cards) {
      for (let i = card.effective.length - 1; i >= 0; i--) if (card.effective[i]! <= this.now) return card.state.versions[i]!;
    }
    return null;
  }

  /** The current price of a planned line, as the decider will compute it. */
  amountOf(o: Order, line: PlanLine): number {
    const card = this.cardFor(o);
    const item = card && findItem(card, line.code);
    if (!item) throw new Error(`history: ${line.code} is not on the card in force for order ${o.id}`);
    return item.unitPriceFen * line.quantity;
  }

  /** A verified, active engineer serving the order's city and category (other than `except`). */
  pickEngineer(o: Order, except?: Engineer): Engineer | undefined {
    const pool = this.serving.get(`${o.created.customer.city}|${o.category.code}`) ?? [];
    const ok = (e: Engineer) => e.verified && !e.suspended && e !== except;
    for (let i = 0; i < 12; i++) {
      const e = this.rng.pick(pool);
      if (ok(e)) return e;
    }
    const from = this.rng.int(0, pool.length - 1);
    for (let i = 0; i < pool.length; i++) {
      const e = pool[(from + i) % pool.length]!;
      if (ok(e)) return e;
    }
    return undefined;
  }

  /** Dispatches as the handler does: the engineer's dispatchability now, under policy `enforce`. */
  dispatch(o: Order, e: Engineer): void {
    const d = dispatchability(e.state, this.iso(), o.category.code);
    if (!d.dispatchable) throw new Error(`history: engineer ${e.id} is not dispatchable: ${d.reasons.join('; ')}`);
    this.order(o, this.agent(), { type: 'DispatchEngineer', data: { engineerId: e.id }, engineer: d, policy: 'enforce' });
    o.engineer = e;
  }
}

function earlier(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

const open = (o: Order) => o.state as OpenOrder;
const netPaid = (o: Order) => open(o).paidFen - open(o).refundedFen;

/** Prices in whole yuan above 10 yuan, in jiao below. */
function roundFen(fen: number): number {
  return fen >= 1_000 ? Math.round(fen / 100) * 100 : Math.max(10, Math.round(fen / 10) * 10);
}

/** Local midnight (China) of the day holding `at`, as a UTC instant. */
function localMidnight(at: number): number {
  return Math.floor((at + LOCAL_OFFSET) / DAY) * DAY - LOCAL_OFFSET;
}

// Setup: rate cards, engineers, then the stream of orders -----------------------------------------

function* setupLife(w: World): Life {
  const { rng } = w;
  // Rate cards: a nationwide card per brand and category, and city cards in the big cities.
  for (const brand of BRANDS) {
    for (const category of CATEGORIES) {
      const cities: [string, number][] = [['*', brand.price]];
      for (const city of w.cities.slice(0, CITIES_WITH_OWN_CARDS)) {
        if (rng.chance(0.35)) cities.push([city, brand.price * (1.1 + rng.next() * 0.15)]);
      }
      for (const [city, factor] of cities) {
        const id = rateCardId(brand.code, category.code, city);
        const card: Card = { id, stream: rateCardStream(id), revision: -1, flow: null, state: rateCardDecider.initialState, effective: [], priceFactor: factor };
        w.cards.set(id, card);
        w.publish(card, { rateCardId: id, brand: brand.code, category: category.code, city, effectiveFrom: w.iso(), items: cardItems(category, factor) });
        yield rng.between(500, 3 * SEC);
      }
    }
  }

  // Engineers: every city x category served by at least one fully verified engineer.
  const combos = w.cities.length * CATEGORIES.length;
  const count = Math.max(1, w.engineerOption ?? Math.max(2 * combos, Math.round(w.orders / 200)));
  for (let i = 0; i < count; i++) {
    const cities = new Set<string>();
    const categories = new Set<string>();
    for (let c = i; c < combos; c += count) {
      cities.add(w.cities[c % w.cities.length]!);
      categories.add(CATEGORIES[Math.floor(c / w.cities.length) % CATEGORIES.length]!.code);
    }
    // Beyond coverage, engineers are where the work is: big cities, popular categories.
    if (cities.size === 0) cities.add(w.pickCity());
    if (categories.size === 0) categories.add(pickCategory(rng).code);
    if (rng.chance(0.25)) cities.add(w.pickCity());
    for (let extra = rng.weighted([[0, 3], [1, 4], [2, 2]] as const); extra > 0; extra--) categories.add(pickCategory(rng).code);
    const onboarding = i >= combos && rng.chance(0.06);
    yield* onboard(w, i + 1, [...cities], [...categories], onboarding);
  }
  for (const e of w.engineers) {
    for (const city of e.cities) {
      for (const category of e.categories) {
        const key = `${city}|${category}`;
        const list = w.serving.get(key);
        if (list) list.push(e);
        else w.serving.set(key, [e]);
      }
    }
  }

  planMilestones(w);
  yield rng.between(5 * MIN, 30 * MIN);
  yield* arrivalsLife(w);
}

function cardItems(category: CategorySpec, factor: number, raise = 1): RateCardItem[] {
  const seen = new Set<string>();
  const items: RateCardItem[] = [];
  for (const [code, name, kind, unit, base] of [...commonItems(category), ...category.items]) {
    if (seen.has(code)) continue;
    seen.add(code);
    items.push({ code, name, kind, unit, unitPriceFen: roundFen(base * factor * raise) });
  }
  return items;
}

function* onboard(w: World, n: number, cities: string[], categories: string[], onboarding: boolean): Life {
  const { rng } = w;
  const id = `eng-${n}`;
  const providerType = rng.weighted<ProviderType>([['manufacturer', 45], ['retailer', 25], ['independent', 22], ['individual', 8]]);
  const providerId =
    providerType === 'manufacturer'
      ? `${rng.pick(BRANDS).code}-svc-${cities[0]}`
      : providerType === 'retailer'
        ? rng.pick(['jd-home', 'suning-service', 'gome-service'])
        : providerType === 'independent'
          ? `svc-${cities[0]}-${rng.int(1, 40)}`
          : id;
  const e: Engineer = {
    id,
    stream: engineerStream(id),
    revision: -1,
    flow: '',
    actor: { id, role: 'engineer' },
    state: engineerDecider.initialState,
    cities,
    categories,
    quality: 0.6 + rng.next() * 0.8,
    verified: !onboarding,
    suspended: false,
    onSite: 0,
  };
  w.engineers.push(e);
  const agent = w.agent();
  w.engineer(e, agent, {
    type: 'RegisterEngineer',
    data: { engineerId: id, name: `${rng.pick(SURNAMES)}${rng.pick(GIVEN)}`, phone: `1${rng.pick(['3', '5', '7', '8', '9'])}${rng.digits(9)}`, providerType, providerId, cities, categories },
  });
  // Each credential is checked by the platform and by the brand (manufacturer engineers) or the provider.
  const second: VerifyingParty = providerType === 'manufacturer' ? 'brand' : 'provider';
  const credentials: { kind: CredentialKind; category?: string; certificateNo: string }[] = [
    { kind: 'real_name', certificateNo: `RN-${rng.digits(6)}${1970 + rng.int(0, 35)}${rng.digits(8)}` },
    { kind: 'safety', certificateNo: `T${rng.digits(17)}` },
    { kind: 'health', certificateNo: `JK-2025-${rng.digits(7)}` },
    ...categories.map((category) => ({ kind: 'skill' as const, category, certificateNo: `JN-${category.slice(0, 3).toUpperCase()}-${rng.digits(8)}` })),
  ];
  const missing = onboarding ? rng.int(0, credentials.length - 1) : -1;
  for (let i = 0; i < credentials.length; i++) {
    const { kind, category, certificateNo } = credentials[i]!;
    const validFrom = localMidnight(w.start - rng.between(30 * DAY, 600 * DAY));
    const validUntil = Math.max(validFrom + 3 * 365 * DAY, w.horizon);
    const parties: VerifyingParty[] = ['platform', second];
    for (const verifiedBy of parties) {
      const command: EngineerCommand = {
        type: 'VerifyCredential',
        data: {
          engineerId: id,
          kind,
          ...(category ? { category } : {}),
          verifiedBy,
          certificateNo,
          validFrom: new Date(validFrom).toISOString(),
          validUntil: new Date(validUntil).toISOString(),
        },
      };
      if (i === missing && verifiedBy === second) {
        e.pendingVerification = command;
        continue;
      }
      yield rng.between(500, 3 * SEC);
      w.engineer(e, agent, command);
    }
  }
  yield rng.between(SEC, 4 * SEC);
}

/**
 * What happens at fixed points of the order stream, so that small and large histories alike hold
 * them: a price rise on a quarter of the cards, onboarding engineers getting their last check,
 * and a few suspensions, each lifted later.
 */
function planMilestones(w: World): void {
  const { rng } = w;
  const at = (fraction: number, action: () => void) => {
    const n = Math.min(w.orders, Math.max(1, Math.round(w.orders * fraction)));
    const list = w.milestones.get(n);
    if (list) list.push(action);
    else w.milestones.set(n, [action]);
  };
  at(0.45, () => {
    for (const card of w.cards.values()) {
      if (!rng.chance(0.25)) continue;
      const latest = card.state.versions[card.state.versions.length - 1]!;
      const category = CATEGORIES.find((c) => c.code === latest.category)!;
      const { version: _, ...rest } = latest;
      const effectiveFrom = new Date(localMidnight(w.now) + rng.int(2, 7) * DAY).toISOString();
      w.publish(card, { ...rest, effectiveFrom, items: cardItems(category, card.priceFactor, 1.03 + rng.next() * 0.05) });
    }
  });
  at(0.3, () => {
    for (const e of w.engineers) {
      if (!e.pendingVerification) continue;
      w.engineer(e, w.agent(), e.pendingVerification);
      delete e.pendingVerification;
      e.verified = true;
    }
  });
  const suspensions = Math.max(2, Math.ceil(w.engineers.length / 80));
  for (let i = 0; i < suspensions; i++) {
    const from = 0.1 + rng.next() * 0.7;
    const to = from + 0.01 + rng.next() * 0.05;
    let suspended: Engineer | undefined;
    at(from, () => {
      suspended = suspendable(w);
      if (!suspended) return;
      suspended.suspended = true;
      const actor = w.supervisor();
      w.engineer(suspended, actor, {
        type: 'SuspendEngineer',
        data: { engineerId: suspended.id, reason: rng.pick(['overcharge complaint under investigation', 'safety certificate audit', 'conduct complaint under investigation']) },
        actor,
      });
    });
    at(to, () => {
      if (!suspended) return;
      suspended.suspended = false;
      const actor = w.supervisor();
      w.engineer(suspended, actor, {
        type: 'ReinstateEngineer',
        data: { engineerId: suspended.id, reason: rng.pick(['investigation closed', 'audit passed', 'retrained and re-verified']) },
        actor,
      });
    });
  }
}

/** An engineer not on site whose every city x category keeps another verified, active engineer. */
function suspendable(w: World): Engineer | undefined {
  const from = w.rng.int(0, w.engineers.length - 1);
  for (let i = 0; i < w.engineers.length; i++) {
    const e = w.engineers[(from + i) % w.engineers.length]!;
    if (!e.verified || e.suspended || e.onSite > 0) continue;
    const covered = e.cities.every((city) =>
      e.categories.every((category) => (w.serving.get(`${city}|${category}`) ?? []).some((o) => o !== e && o.verified && !o.suspended)),
    );
    if (covered) return e;
  }
  return undefined;
}

/** New orders, busier by day than by night (local time): about 740 a day on average. */
function* arrivalsLife(w: World): Life {
  const { rng } = w;
  for (let n = 1; n <= w.orders; n++) {
    if (n > 1) {
      const hour = Math.floor(((w.now + LOCAL_OFFSET) % DAY) / HOUR);
      const busy = hour < 8 ? 0.15 : hour < 22 ? 1.3 : 0.5;
      yield rng.exp((100 * SEC) / busy);
    }
    for (const action of w.milestones.get(n) ?? []) action();
    w.spawn(orderLife(w, n), 0);
  }
}

// An order's life --------------------------------------------------------------------------------

function newOrder(w: World, n: number): Order {
  const { rng } = w;
  const id = `ord-${n}`;
  let customer: Customer;
  let product: Product;
  let serviceType: ServiceType;
  let repeatOf: string | undefined;
  const previous = rng.chance(0.05) ? pickRepeated(w) : undefined;
  if (previous) {
    // Back for the same appliance: mostly a repair after a visit that did not hold.
    customer = previous.customer;
    product = previous.product;
    serviceType = rng.chance(0.8) ? 'repair' : previous.serviceType;
    repeatOf = previous.orderId;
  } else {
    const city = w.pickCity();
    const brand = rng.weighted(BRANDS.map((b) => [b, b.weight] as const));
    const category = pickCategory(rng);
    const surname = rng.pick(SURNAMES);
    customer = {
      customerId: `cust-${n}`,
      name: `${surname}${rng.chance(0.5) ? '先生' : '女士'}`,
      phone: `1${rng.pick(['3', '5', '7', '8', '9'])}${rng.digits(9)}`,
      city,
      address: `${rng.pick(DISTRICTS)}${rng.pick(ROADS)}${rng.int(1, 999)}号${rng.int(1, 30)}栋${rng.int(1, 32)}0${rng.int(1, 4)}室`,
    };
    product = {
      brand: brand.code,
      category: category.code,
      model: `${rng.pick(category.models)}/${brand.code.slice(0, 2).toUpperCase()}${rng.int(1, 9)}`,
      ...(rng.chance(0.6) ? { serialNo: `${brand.code.slice(0, 3).toUpperCase()}${2019 + rng.int(0, 6)}${rng.digits(8)}` } : {}),
    };
    serviceType = rng.weighted(SERVICE_MIX);
    if (category.code === 'tv' && serviceType === 'clean') serviceType = 'repair';
  }
  const category = CATEGORIES.find((c) => c.code === product.category)!;
  const cards = [customer.city, '*']
    .map((city) => w.cards.get(rateCardId(product.brand, product.category, city)))
    .filter((c): c is Card => c !== undefined);

  // A two-hour window on one of the next three days, in local business hours.
  const day = localMidnight(w.now) + rng.weighted([[1, 50], [2, 35], [3, 15]] as const) * DAY;
  const from = day + rng.pick([8, 10, 13, 15, 17, 19]) * HOUR;
  const appointment = { from: new Date(from).toISOString(), to: new Date(from + 2 * HOUR).toISOString() };

  const o: Order = {
    id,
    stream: orderStream(id),
    revision: -1,
    flow: '',
    state: orderDecider.initialState,
    customer: { id: customer.customerId, role: 'customer' },
    created: { orderId: id, customer, product, serviceType, appointment },
    category,
    cards,
    plan: planFor(w, category, serviceType),
    compensatedFen: 0,
  };
  if (rng.chance(PACKAGE_SHARE[serviceType])) o.created.package = packageFor(w, o, serviceType);
  if (repeatOf) o.created.repeatOf = repeatOf;
  return o;
}

/** An earlier completed order: about half within 30 days of its completion (mostly not fixed), half older. */
function pickRepeated(w: World): Completed | undefined {
  const { rng, completed } = w;
  if (completed.length === 0) return undefined;
  // Completions are recorded in time order: binary search the 30-day cut.
  const cut = w.now - 30 * DAY;
  let lo = 0;
  let hi = completed.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (completed[mid]!.at <= cut) lo = mid + 1;
    else hi = mid;
  }
  const recent = rng.chance(0.55) ? lo < completed.length : lo === 0;
  if (recent) {
    let choice = completed[rng.int(lo, completed.length - 1)]!;
    for (let i = 0; i < 3 && choice.outcome !== 'not_fixed'; i++) choice = completed[rng.int(lo, completed.length - 1)]!;
    return choice;
  }
  return completed[rng.int(0, lo - 1)];
}

function specOf(category: CategorySpec, code: string): ItemSpec {
  const spec = category.items.find((i) => i[0] === code) ?? commonItems(category).find((i) => i[0] === code);
  if (!spec) throw new Error(`history: no item ${code} for ${category.code}`);
  return spec;
}

function planFor(w: World, category: CategorySpec, service: ServiceType): PlanLine[] {
  const { rng } = w;
  const lines: PlanLine[] = [];
  const add = (code: string, quantity?: number) => {
    const spec = specOf(category, code);
    if (lines.some((l) => l.code === code)) return;
    lines.push({ code, kind: spec[2], quantity: quantity ?? rng.int(spec[5], spec[6]) });
  };
  switch (service) {
    case 'repair': {
      if (rng.chance(0.85)) add('FEE-VISIT');
      add('LAB-DIAG');
      const parts = rng.weighted([[0, 5], [1, 40], [2, 35], [3, 20]] as const);
      for (let i = 0; i < parts; i++) {
        // Cheap parts fail more often than main boards and compressors.
        add(rng.weighted(category.repairParts.map((code) => [code, 1 / Math.sqrt(specOf(category, code)[4])] as const)));
      }
      if (rng.chance(0.6)) add(rng.pick(category.repairConsumables));
      if (rng.chance(0.85)) add('LAB-REPAIR');
      break;
    }
    case 'install':
      add('LAB-INSTALL');
      if (rng.chance(0.25)) {
        // The old unit comes down and goes away.
        add('LAB-UNINSTALL');
        add('FEE-HAUL');
      }
      for (const code of category.kit) if (rng.chance(0.9)) add(code);
      if ((category.abbr === 'AC' || category.abbr === 'RH') && rng.chance(0.15)) add('FEE-HIGH');
      break;
    case 'clean':
      if (rng.chance(0.6)) add('FEE-VISIT');
      add('LAB-CLEAN');
      if (category.maintKit.length > 0 && rng.chance(0.4)) add(rng.pick(category.maintKit));
      break;
    case 'maintain':
      if (rng.chance(0.5)) add('FEE-VISIT');
      add('LAB-MAINT');
      if (category.maintKit.length > 0 && rng.chance(0.7)) add(rng.pick(category.maintKit));
      if (rng.chance(0.3)) add(rng.pick(category.repairConsumables));
      break;
    case 'inspect':
      add('FEE-VISIT');
      add('LAB-DIAG');
      break;
    case 'trade_in':
      add('LAB-UNINSTALL');
      add('FEE-HAUL');
      add('LAB-INSTALL');
      for (const code of category.kit) if (rng.chance(0.6)) add(code);
      break;
  }
  return lines;
}

/** A one-price package for the service: its main labour with a margin, priced like ¥199. */
function packageFor(w: World, o: Order, service: ServiceType): ServicePackage {
  const card = w.cardFor(o)!;
  const price = (code: string) => findItem(card, code)!.unitPriceFen;
  const base =
    service === 'install'
      ? price('LAB-INSTALL')
      : service === 'clean'
        ? price('LAB-CLEAN')
        : service === 'maintain'
          ? price('LAB-MAINT')
          : service === 'repair'
            ? price('LAB-DIAG') + price('LAB-REPAIR') + price('FEE-VISIT')
            : service === 'inspect'
              ? price('LAB-DIAG')
              : price('LAB-INSTALL') + price('LAB-UNINSTALL') + price('FEE-HAUL');
  return {
    code: `PKG-${o.category.abbr}-${service.toUpperCase().replace('_', '')}`,
    priceFen: Math.max(2_900, Math.ceil((base * 1.15) / 1_000) * 1_000 - 100),
    fundedBy: w.rng.chance(0.6) ? 'brand' : 'platform',
  };
}

function* orderLife(w: World, n: number): Life {
  const { rng } = w;
  const o = newOrder(w, n);
  const pkg = o.created.package;
  w.order(o, w.agent(), { type: 'CreateOrder', data: o.created });
  const fromMs = Date.parse(o.created.appointment.from);
  const toMs = Date.parse(o.created.appointment.to);

  if (pkg) {
    // 一价全包: paid once, in the app, when booking.
    yield rng.between(20 * SEC, 5 * MIN);
    w.order(o, GATEWAY, { type: 'RecordPayment', data: { amountFen: pkg.priceFen, method: 'app', reference: w.reference('app-') } });
  }

  // A quote shows the work in advance (所见即所得): on a package order its lines go to the funder
  // and the customer's total is 0, so most package orders get one as a statement of scope.
  const cancelAt = rng.chance(0.05) ? rng.weighted([['before_quote', 4], ['quoted', 3], ['accepted', 3]] as const) : null;
  if (!pkg || rng.chance(0.8)) {
    if (cancelAt === 'before_quote') return yield* cancelLife(w, o, rng.between(5 * MIN, 6 * HOUR));
    yield rng.between(MIN, 20 * MIN);
    w.order(o, w.agent(), { type: 'IssueQuote', data: { lines: o.plan.map(({ code, quantity }) => ({ code, quantity })) }, card: w.cardFor(o) });
    if (cancelAt === 'quoted') return yield* cancelLife(w, o, rng.between(10 * MIN, DAY));
    if (!pkg || rng.chance(0.9)) {
      yield rng.chance(0.7) ? rng.between(2 * MIN, HOUR) : rng.between(HOUR, 8 * HOUR);
      w.order(o, rng.chance(0.85) ? o.customer : w.agent(), { type: 'AcceptQuote', data: { quoteRevision: 1 } });
      if (!pkg && rng.chance(0.3)) {
        // Prepaid online up to the accepted quote; settled against the bill after the visit.
        yield rng.between(30 * SEC, 10 * MIN);
        pay(w, o, open(o).accepted!.ceilingFen, rng.chance(0.65) ? 'wechat' : 'alipay');
      }
    }
  }
  if (cancelAt) return yield* cancelLife(w, o, rng.between(30 * MIN, 12 * HOUR));

  // Dispatch a few hours ahead of the window.
  let dispatchAt = Math.min(w.now + rng.between(10 * MIN, 4 * HOUR), fromMs - rng.between(HOUR, 3 * HOUR));
  if (dispatchAt < w.now) dispatchAt = w.now + rng.between(2 * MIN, 15 * MIN);
  yield w.until(dispatchAt);
  yield* dispatchLife(w, o);
  if (rng.chance(0.06)) {
    // Reassigned before the visit (the first engineer's day filled up).
    yield w.until(Math.min(w.now + rng.between(10 * MIN, 2 * HOUR), fromMs - 30 * MIN));
    const other = w.pickEngineer(o, o.engineer);
    if (other) w.dispatch(o, other);
  }

  // Arrival: on time mostly, late about 15% (worse engineers more often).
  const late = rng.chance(Math.min(0.45, 0.15 * (2 - o.engineer!.quality)));
  let arriveAt = late ? toMs + rng.between(5 * MIN, 2 * HOUR) : fromMs + rng.between(-25 * MIN, toMs - fromMs - 5 * MIN);
  if (arriveAt <= w.now) arriveAt = w.now + rng.between(5 * MIN, 30 * MIN);
  if (late && arriveAt - toMs > 40 * MIN && rng.chance(0.1)) {
    // The customer complains while still waiting.
    w.spawn(complaintLife(w, o, 'waiting'), w.until(toMs + rng.between(10 * MIN, arriveAt - toMs - 20 * MIN)));
  }
  yield w.until(arriveAt);
  while (o.engineer!.suspended) {
    // Suspended since dispatch: the work is reassigned (DESIGN rule 1 and the on-site refusal).
    const other = w.pickEngineer(o, o.engineer);
    if (other) w.dispatch(o, other);
    yield rng.between(30 * MIN, 90 * MIN);
  }
  const engineer = o.engineer!;
  w.order(o, engineer.actor, { type: 'CheckIn', data: {}, engineerSuspended: false });
  engineer.onSite++;

  // On site: the planned lines, with the usual variations.
  const outcome: CompletionOutcome =
    o.created.serviceType === 'repair'
      ? rng.chance(Math.min(0.4, 0.15 * (2 - engineer.quality))) ? 'not_fixed' : 'fixed'
      : o.created.serviceType === 'install' || o.created.serviceType === 'trade_in'
        ? 'installed'
        : 'done';
  let lines = outcome === 'not_fixed' ? o.plan.filter((l) => l.code === 'LAB-DIAG' || l.code === 'FEE-VISIT') : o.plan.slice();
  const parts = lines.filter((l) => l.kind === 'part' || l.kind === 'consumable');
  if (parts.length > 0 && rng.chance(0.08)) {
    const unused = rng.pick(parts);
    lines = lines.filter((l) => l !== unused);
  }
  // Diagnosis finds more to replace: a revised quote the customer accepts first (rule 3).
  const extra =
    outcome === 'fixed' && rng.chance(0.2)
      ? o.category.repairParts.map((code) => specOf(o.category, code)).find((s) => !o.plan.some((l) => l.code === s[0]) && rng.chance(0.5))
      : undefined;
  let first = true;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    yield first ? rng.between(5 * MIN, 15 * MIN) : rng.between(3 * MIN, 20 * MIN);
    first = false;
    if (!recordLine(w, o, line)) continue;
    if (extra && i === 0) {
      const added: PlanLine = { code: extra[0], kind: extra[2], quantity: 1 };
      if (!pkg) {
        yield rng.between(5 * MIN, 20 * MIN);
        const revised = [...o.plan, added].map(({ code, quantity }) => ({ code, quantity }));
        w.order(o, w.agent(), { type: 'IssueQuote', data: { lines: revised }, card: w.cardFor(o) });
        yield rng.between(2 * MIN, 15 * MIN);
        if (!rng.chance(0.85)) continue;
        w.order(o, o.customer, { type: 'AcceptQuote', data: { quoteRevision: open(o).quotes.length } });
      }
      lines.push(added);
    }
  }
  const recorded = open(o).lines;
  if (recorded.length > 0 && rng.chance(0.03)) {
    // Entered twice, voided by the desk.
    const twin = rng.pick(recorded);
    yield rng.between(2 * MIN, 10 * MIN);
    if (recordLine(w, o, { code: twin.code, quantity: twin.quantity, kind: twin.kind })) {
      yield rng.between(2 * MIN, 30 * MIN);
      const duplicate = open(o).lines[open(o).lines.length - 1]!;
      w.order(o, w.agent(), { type: 'VoidLine', data: { lineId: duplicate.lineId, reason: 'entered twice' } });
    }
  }

  yield rng.between(5 * MIN, 40 * MIN);
  w.order(o, engineer.actor, {
    type: 'CompleteOrder',
    data: { outcome, ...(outcome === 'not_fixed' ? { notes: rng.pick(['part on back order', 'fault could not be reproduced', 'needs a second visit']) } : {}) },
    engineerSuspended: false,
  });
  engineer.onSite--;
  w.completed.push({ orderId: o.id, at: w.now, outcome, customer: o.created.customer, product: o.created.product, serviceType: o.created.serviceType });

  if (!pkg) {
    // The bill: what the standing customer lines add up to, less what was prepaid.
    const due = customerChargesFen(open(o)) - netPaid(o);
    if (due > 0) {
      yield rng.between(MIN, 30 * MIN);
      const method = rng.weighted(PAYMENT_MIX);
      const split = due >= 2_000 && rng.chance(0.1) ? roundFen(due * (0.3 + rng.next() * 0.4)) : due;
      pay(w, o, split, method);
      if (split < due) {
        yield rng.between(MIN, 10 * MIN);
        pay(w, o, due - split, method === 'cash' ? 'wechat' : 'cash');
      }
    } else if (due < 0) {
      yield rng.between(10 * MIN, 6 * HOUR);
      refund(w, o, -due, 'prepaid above the final bill');
    }
  }

  // After the visit, each on its own clock.
  const wasLate = open(o).late === true;
  if (rng.chance(0.7)) w.spawn(ratingLife(w, o, wasLate || outcome === 'not_fixed'), rng.between(20 * MIN, 3 * DAY));
  if (open(o).lines.some((l) => !l.voided) && rng.chance(0.02)) w.spawn(lateVoidLife(w, o), rng.between(HOUR, 2 * DAY));
  const complaintChance = 0.053 * (2 - engineer.quality) * (wasLate ? 1.8 : 1) * (outcome === 'not_fixed' ? 2.5 : 1);
  if (rng.chance(complaintChance)) {
    w.spawn(complaintLife(w, o, 'after'), rng.between(HOUR, 4 * DAY));
    if (rng.chance(0.06)) w.spawn(complaintLife(w, o, 'after'), rng.between(5 * DAY, 12 * DAY));
  }
}

function pay(w: World, o: Order, amountFen: number, method: PaymentMethod): void {
  const byGateway = method === 'wechat' || method === 'alipay' || method === 'app';
  const prefix = method === 'wechat' ? 'wx-' : method === 'alipay' ? 'ali-' : method === 'card' ? 'pos-' : method === 'cash' ? 'cash-' : method === 'app' ? 'app-' : 'bank-';
  w.order(o, byGateway ? GATEWAY : w.agent(), { type: 'RecordPayment', data: { amountFen, method, reference: w.reference(prefix) } });
}

/** Returns money to the customer: never more than they have paid and not yet got back (rule 5). */
function refund(w: World, o: Order, amountFen: number, reason: string): void {
  const amount = Math.min(amountFen, netPaid(o));
  if (amount > 0) w.order(o, w.agent(), { type: 'RecordRefund', data: { amountFen: amount, reason } });
}

/** Records a part or charge if the customer's consent covers it (rule 3); false when it was left out. */
function recordLine(w: World, o: Order, line: PlanLine): boolean {
  const state = open(o);
  if (!state.package) {
    const ceiling = state.accepted?.ceilingFen ?? 0;
    if (customerChargesFen(state) + w.amountOf(o, line) > ceiling) return false;
  }
  const engineer = o.engineer!;
  const card = w.cardFor(o);
  if (line.kind === 'part' || line.kind === 'consumable') {
    const extra =
      line.kind === 'part' && w.rng.chance(0.3)
        ? { serialNo: `P${w.rng.digits(10)}` }
        : line.kind === 'consumable' && w.rng.chance(0.5)
          ? { batchNo: `B${w.rng.digits(6)}` }
          : {};
    w.order(o, engineer.actor, { type: 'UsePart', data: { code: line.code, quantity: line.quantity, ...extra }, card, engineerSuspended: false });
  } else {
    w.order(o, engineer.actor, { type: 'AddCharge', data: { code: line.code, quantity: line.quantity }, card, engineerSuspended: false });
  }
  return true;
}

function* dispatchLife(w: World, o: Order): Life {
  for (let attempt = 0; ; attempt++) {
    const e = w.pickEngineer(o);
    if (e) return w.dispatch(o, e);
    if (attempt > 24 * 30) throw new Error(`history: nobody can serve order ${o.id} for a month`);
    yield HOUR;
  }
}

function* cancelLife(w: World, o: Order, delay: number): Life {
  const { rng } = w;
  yield delay;
  w.order(o, w.agent(), { type: 'CancelOrder', data: { reason: rng.pick(CANCEL_REASONS) } });
  if (netPaid(o) > 0) {
    yield rng.between(5 * MIN, 2 * HOUR);
    refund(w, o, netPaid(o), 'order cancelled before the visit');
  }
  if (rng.chance(0.03)) w.spawn(complaintLife(w, o, 'cancelled'), rng.between(HOUR, 2 * DAY));
}

function* ratingLife(w: World, o: Order, disappointed: boolean): Life {
  const { rng } = w;
  const quality = o.engineer!.quality;
  const stars =
    disappointed || quality < 0.75
      ? rng.weighted([[1, 12], [2, 10], [3, 18], [4, 25], [5, 35]] as const)
      : rng.weighted([[1, 2], [2, 2], [3, 6], [4, 20], [5, 70]] as const);
  const comment = rng.chance(0.3) ? rng.pick(RATING_COMMENTS[stars]!) : undefined;
  w.order(o, o.customer, { type: 'RateOrder', data: comment ? { stars, comment } : { stars } });
}

/** A line found wrong after the bill was paid: voided, and a customer's money returned. */
function* lateVoidLife(w: World, o: Order): Life {
  const { rng } = w;
  const standing = open(o).lines.filter((l) => !l.voided);
  const line = rng.pick(standing);
  w.order(o, w.agent(), { type: 'VoidLine', data: { lineId: line.lineId, reason: rng.pick(['part not actually replaced', 'charged at the wrong quantity', 'labour already covered']) } });
  if (line.payer === 'customer') {
    yield rng.between(10 * MIN, DAY);
    refund(w, o, line.amountFen, `line ${line.lineId} voided`);
  }
}

// A complaint's life -----------------------------------------------------------------------------

function* complaintLife(w: World, o: Order, when: 'after' | 'waiting' | 'cancelled'): Life {
  const { rng } = w;
  const order = open(o);
  const late = order.late === true;
  const category: ComplaintCategory =
    when === 'waiting'
      ? rng.pick(['no_show', 'late'] as const)
      : when === 'cancelled'
        ? rng.pick(['conduct', 'other'] as const)
        : rng.weighted<ComplaintCategory>([
            ['overcharge', 22],
            ['workmanship', order.outcome === 'not_fixed' ? 60 : 18],
            ['late', late ? 60 : 4],
            ['damage', 10],
            ['fake_part', 6],
            ['conduct', 12],
            ['no_show', 2],
            ['other', 10],
          ]);
  const claimedFen =
    !rng.chance(0.55)
      ? undefined
      : category === 'damage'
        ? roundFen(rng.between(30_000, 400_000))
        : category === 'overcharge' && netPaid(o) > 0
          ? Math.max(100, roundFen(netPaid(o) * (0.2 + rng.next() * 0.8)))
          : roundFen(rng.between(5_000, 60_000));
  const k = ++w.complaints;
  const c: Complaint = { id: `cmp-${k}`, stream: complaintStream(`cmp-${k}`), revision: -1, flow: '', state: complaintDecider.initialState, compensatedFen: 0, payments: 0 };
  const filer = rng.chance(0.6) ? o.customer : w.agent();
  const filedAt = w.now;
  const fileCommand = w.complaint(c, filer, {
    type: 'FileComplaint',
    data: {
      complaintId: c.id,
      orderId: o.id,
      category,
      description: COMPLAINT_TEXT[category],
      ...(claimedFen !== undefined ? { claimedFen } : {}),
      order: {
        customerId: order.customer.customerId,
        brand: order.product.brand,
        productCategory: order.product.category,
        city: order.customer.city,
        ...(order.engineerId ? { engineerId: order.engineerId } : {}),
      },
    },
  });
  // FileComplaintHandler links it on the order under a command id derived from the filing's.
  w.order(o, filer, { type: 'LinkComplaint', data: { complaintId: c.id, category } }, { commandId: `${fileCommand}:link`, causationId: fileCommand, correlationId: fileCommand });

  const filed = () => c.state as FiledComplaintState;
  const owner = () => w.staffActor(filed().owner!);
  const byOwnerOrSupervisor = () => (rng.chance(0.85) ? owner() : w.supervisor());

  // 首问责任制: acknowledged within the 2-hour SLA mostly; the acknowledging agent owns a customer's complaint.
  yield rng.chance(0.85) ? rng.between(3 * MIN, 110 * MIN) : rng.between(2 * HOUR, 12 * HOUR);
  w.complaint(c, filed().owner ? owner() : w.agent(), { type: 'AcknowledgeComplaint', data: { complaintId: c.id } });

  if (rng.chance(0.22)) {
    yield rng.between(20 * MIN, 8 * HOUR);
    const from = filed().owner;
    let to = rng.chance(0.2) ? w.supervisor() : w.agent();
    while (to.id === from) to = w.agent();
    w.complaint(c, owner(), { type: 'TransferComplaint', data: { complaintId: c.id, toActorId: to.id, reason: rng.pick(['shift handover', 'needs the brand liaison desk', 'large claim: supervisor takes over']) } });
  }

  const compensate = (amountFen: number) => {
    // 先行赔付: the order's running total decides whether a supervisor must approve (rule 5).
    const total = o.compensatedFen + amountFen;
    const approver = total >= HISTORY_COMPENSATION_THRESHOLD_FEN ? w.supervisor() : owner();
    w.complaint(c, approver, {
      type: 'CompensateComplaint',
      data: {
        complaintId: c.id,
        compensationId: `CP-${c.id}-${++c.payments}`,
        amountFen,
        reason: `advance compensation: ${category}`,
        thresholdFen: HISTORY_COMPENSATION_THRESHOLD_FEN,
        otherComplaintsFen: o.compensatedFen - c.compensatedFen,
      },
    });
    o.compensatedFen += amountFen;
    c.compensatedFen += amountFen;
  };
  const amount = () =>
    claimedFen !== undefined
      ? roundFen(rng.chance(0.6) ? claimedFen : claimedFen * (0.3 + rng.next() * 0.6))
      : rng.chance(0.75)
        ? roundFen(rng.between(2_000, 60_000))
        : roundFen(rng.between(HISTORY_COMPENSATION_THRESHOLD_FEN, 300_000));

  if (rng.chance(category === 'damage' ? 0.8 : 0.4)) {
    yield rng.between(30 * MIN, 10 * HOUR);
    compensate(amount());
  }
  if (rng.chance(0.22)) {
    yield rng.between(HOUR, 12 * HOUR);
    w.complaint(c, owner(), { type: 'EscalateComplaint', data: { complaintId: c.id, reason: rng.pick(['customer threatens to go to the media', 'liability disputed by the brand', 'claim above the agent limit']) } });
  }

  // Resolved within the SLA (24 h, 72 h for a large claim) mostly; some overdue.
  const deadline = (claimedFen ?? 0) >= HISTORY_COMPENSATION_THRESHOLD_FEN ? 72 * HOUR : 24 * HOUR;
  let resolveAt = filedAt + (rng.chance(0.85) ? rng.between(2 * HOUR, deadline - 30 * MIN) : rng.between(deadline, deadline * 2.5));
  if (resolveAt <= w.now) resolveAt = w.now + rng.between(10 * MIN, 2 * HOUR);
  yield w.until(resolveAt);
  const resolve = (notes?: string) => {
    const outcome = rng.weighted<ResolutionOutcome>([['upheld', 45], ['partially_upheld', 25], ['rejected', 30]]);
    const liableParty: LiableParty =
      outcome === 'rejected'
        ? rng.chance(0.4) ? 'customer' : 'none'
        : category === 'fake_part'
          ? rng.pick(['brand', 'engineer'] as const)
          : category === 'other'
            ? rng.pick(['platform', 'brand'] as const)
            : rng.chance(0.8) ? 'engineer' : 'platform';
    w.complaint(c, filed().escalated ? w.supervisor() : byOwnerOrSupervisor(), {
      type: 'ResolveComplaint',
      data: { complaintId: c.id, outcome, liableParty, ...(notes ? { notes } : {}) },
    });
    return outcome;
  };
  const outcome = resolve();
  if (outcome !== 'rejected' && (category === 'overcharge' || category === 'fake_part') && netPaid(o) > 0) {
    yield rng.between(10 * MIN, DAY);
    const paid = netPaid(o);
    refund(w, o, outcome === 'upheld' ? (claimedFen ?? paid) : roundFen(paid * 0.3), `complaint ${c.id} ${outcome}`);
  }
  if (rng.chance(0.14)) {
    yield rng.between(DAY, 7 * DAY);
    w.complaint(c, byOwnerOrSupervisor(), { type: 'ReopenComplaint', data: { complaintId: c.id, reason: rng.pick(['customer disputes the outcome', 'the fault came back', 'new evidence from the customer']) } });
    if (rng.chance(0.3)) {
      yield rng.between(HOUR, 12 * HOUR);
      compensate(amount());
    }
    yield rng.between(2 * HOUR, 2 * DAY);
    resolve('reviewed after reopening');
  }
}
