// How one replica shares its dialer slots (DIALER_MAX_IN_FLIGHT) among the accounts with due calls:
// accounts are served in order of the slots they hold per unit of weight (the account's plan share),
// fewest first, ties rotating from tick to tick (weighted round-robin by account, never first-come by
// campaign); each gets at most its weighted share of the free slots per round; and the last
// DIALER_RESERVED_SLOTS free slots go only to accounts holding few (at most a quarter of the reserve in
// all), so a newcomer's call starts at the next tick even while another account's long calls hold the rest.

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
}

/** Slots of the reserve one account may hold: a quarter of it, so four newcomers at once find room. */
export const reserveShareOf = (reserved: number) => (reserved > 0 ? Math.max(1, Math.ceil(reserved / 4)) : 0);

/**
 * Slots `c` may claim now: its weighted share of the free slots, out of those beyond the reserve, plus
 * reserve slots only while the account would still hold no more than a reserve share in all.
 */
export function allowance(c: Contender, s: SlotState): number {
  if (s.free <= 0) return 0;
  const open = Math.max(0, s.free - s.reserved);
  const fromReserve = Math.max(0, Math.min(s.free - open, reserveShareOf(s.reserved) - c.held - open));
  const quantum = Math.ceil((s.free * c.weight) / Math.max(c.weight, s.dueWeight));
  return Math.max(0, Math.min(open + fromReserve, quantum));
}
