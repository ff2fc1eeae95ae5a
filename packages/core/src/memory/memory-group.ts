import { Lease, type Entry, type Member } from './memory-lease';

const RESOLVED = Promise.resolve();
const ignore = (): void => undefined;
const DISPATCH_BURST = 512;

/**
 * One consumer group of one topic: a queue shared by its members (competing consumers), with
 * leases like a visibility timeout (an unsettled delivery returns when its lease expires or its
 * consumer goes away) and, for per-key groups, at most one delivery of a key in flight, in order.
 * Acked entries are dropped at once; memory holds only what is waiting or in flight.
 */
export class MemoryGroup {
  ordered = false;
  private ready: Entry[] = [];
  private head = 0;
  /** Entries to deliver before `ready`: redeliveries and entries released by their key. */
  private front: Entry[] = [];
  private readonly busyKeys = new Set<string>();
  private readonly blocked = new Map<string, Entry[]>();
  private readonly leases = new Map<Lease, true>();
  private members: Member[] = [];
  private turn = 0;
  private pumping = false;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly leaseMs: number,
    private readonly dropAck: () => boolean,
    private readonly duplicate: () => boolean,
  ) {}

  get depth(): number {
    let blocked = 0;
    for (const list of this.blocked.values()) blocked += list.length;
    return this.ready.length - this.head + this.front.length + blocked;
  }

  get inFlight(): number {
    return this.leases.size;
  }

  enqueue(entry: Entry): void {
    this.ready.push(entry);
    this.pump();
  }

  join(member: Member): void {
    this.members.push(member);
    this.pump();
  }

  /** Stop handing deliveries to one member; what it holds may still be settled. */
  remove(member: Member): void {
    this.members = this.members.filter((m) => m !== member);
  }

  /** `owner`'s connection is gone: drop its members and take back their unsettled deliveries. */
  leave(owner: object): void {
    this.members = this.members.filter((m) => m.owner !== owner);
    for (const lease of this.leases.keys()) if (lease.member.owner === owner) this.returnLease(lease, 0);
    this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    let budget = DISPATCH_BURST;
    while (budget > 0 && this.members.length > 0) {
      const member = this.freeMember();
      if (!member) break;
      const entry = this.take();
      if (!entry) break;
      this.deliver(member, entry);
      budget--;
    }
    this.pumping = false;
    // Yield to timers and I/O between bursts, like a real broker's network hop would.
    if (budget === 0) setImmediate(() => this.pump());
  }

  private freeMember(): Member | undefined {
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const member = this.members[(this.turn + i) % n];
      if (member.inFlight < member.concurrency) {
        this.turn = (this.turn + i + 1) % n;
        return member;
      }
    }
    return undefined;
  }

  private take(): Entry | undefined {
    for (;;) {
      let entry = this.front.shift();
      if (!entry) {
        if (this.head === this.ready.length) return undefined;
        entry = this.ready[this.head++];
        if (this.head > 1024 && this.head * 2 > this.ready.length) {
          this.ready = this.ready.slice(this.head);
          this.head = 0;
        }
      }
      const key = this.ordered ? entry.message.key : undefined;
      if (key === undefined) return entry;
      if (!this.busyKeys.has(key)) {
        this.busyKeys.add(key);
        return entry;
      }
      const waiting = this.blocked.get(key);
      if (waiting) waiting.push(entry);
      else this.blocked.set(key, [entry]);
    }
  }

  private deliver(member: Member, entry: Entry): void {
    const lease = new Lease(this, entry, member);
    member.inFlight++;
    if (member.autoAck) {
      member.handler(lease).catch(ignore);
      return;
    }
    lease.deadline = Date.now() + this.leaseMs;
    this.leases.set(lease, true);
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(5, Math.min(1000, this.leaseMs / 4))).unref();
    member.handler(lease).catch(ignore);
    if (this.duplicate())
      this.front.push({ message: entry.message, seq: entry.seq, attempt: entry.attempt + 1 });
  }

  ack(lease: Lease): Promise<void> {
    if (lease.member.autoAck) return this.finishAutoAck(lease);
    if (!this.leases.delete(lease)) return RESOLVED; // stale: its consumer crashed or the lease expired
    if (this.dropAck()) {
      this.leases.set(lease, true); // lost on the way: the lease runs out and the entry comes back
      return RESOLVED;
    }
    lease.member.inFlight--;
    this.releaseKey(lease.entry);
    this.pump();
    return RESOLVED;
  }

  nack(lease: Lease, delayMs: number, attempt: number | undefined): Promise<void> {
    if (lease.member.autoAck) return this.finishAutoAck(lease); // already forgotten: nothing to return
    if (this.leases.has(lease)) this.returnLease(lease, delayMs, attempt);
    this.pump();
    return RESOLVED;
  }

  private finishAutoAck(lease: Lease): Promise<void> {
    if (!lease.done) {
      lease.done = true;
      lease.member.inFlight--;
      this.releaseKey(lease.entry);
      this.pump();
    }
    return RESOLVED;
  }

  private returnLease(lease: Lease, delayMs: number, attempt?: number): void {
    this.leases.delete(lease);
    lease.member.inFlight--;
    const entry = lease.entry;
    entry.attempt = attempt ?? entry.attempt + 1;
    if (delayMs <= 0) {
      this.requeue(entry);
      return;
    }
    // The key stays reserved while the entry waits, so later entries of the key cannot overtake it.
    setTimeout(() => {
      this.requeue(entry);
      this.pump();
    }, delayMs).unref();
  }

  /** Back to the head of the line; its key's later entries stay behind it. */
  private requeue(entry: Entry): void {
    const key = this.ordered ? entry.message.key : undefined;
    if (key !== undefined) this.busyKeys.delete(key);
    this.front.unshift(entry);
  }

  private releaseKey(entry: Entry): void {
    const key = this.ordered ? entry.message.key : undefined;
    if (key === undefined) return;
    this.busyKeys.delete(key);
    const waiting = this.blocked.get(key);
    if (!waiting) return;
    const nextEntry = waiting.shift()!;
    if (waiting.length === 0) this.blocked.delete(key);
    this.front.push(nextEntry);
  }

  private sweep(): void {
    const now = Date.now();
    for (const lease of this.leases.keys()) if (lease.deadline <= now) this.returnLease(lease, 0);
    if (this.leases.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
    this.pump();
  }
}
