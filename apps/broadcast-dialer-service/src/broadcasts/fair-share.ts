// How one replica shares its dialer slots (DIALER_MAX_IN_FLIGHT) among the accounts with due calls:
// accounts are served in order of the slots they hold per unit of weight (the account's plan share),
// fewest first, ties rotating from tick to tick (weighted round-robin by account, never first-come by
// campaign); each gets at most its weighted share of the free slots per round; and the last
// DIALER_RESERVED_SLOTS free slots go only to accounts holding less than their share of that reserve,
// so a newcomer's call starts at the next tick even while another account's long calls hold the rest.

export interface Contender {
  tenantId: string;
  /** Slots the account holds on this replica now. */
  held: number;
  /** The account's plan weight (1 when none is set). */
  weight: number;
}

/** The order accounts claim in this tick: fewest slots held per weight first, ties rotated by `turn`. */
export function fairOrder(due: Contender[], turn: number): Contender[] {
  const n = due.length;
  return due
    .map((c, i) => ({ c, tie: (i - (turn % Math.max(1, n)) + n) % Math.max(1, n) }))
    .sort((a, b) => a.c.held / a.c.weight - b.c.held / b.c.weight || a.tie - b.tie)
    .map((x) => x.c);
}

export interface SlotState {
  /** Free slots of the replica now. */
  free: number;
  /** DIALER_RESERVED_SLOTS. */
  reserved: number;
  /** Sum of the weights of the accounts due now. */
  dueWeight: number;
  /** Sum of the weights of the accounts due now or holding slots here. */
  activeWeight: number;
}

/** Slots `c` may claim now. */
export function allowance(c: Contender, s: SlotState): number {
  if (s.free <= 0) return 0;
  const reserveShare = s.reserved > 0 ? Math.max(1, Math.floor((s.reserved * c.weight) / s.activeWeight)) : 0;
  const usable = c.held < reserveShare ? s.free : s.free - s.reserved;
  const quantum = Math.ceil((s.free * c.weight) / Math.max(c.weight, s.dueWeight));
  return Math.max(0, Math.min(usable, quantum));
}
