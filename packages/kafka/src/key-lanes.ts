/**
 * Runs the tasks of one key one at a time, in the order they were queued; tasks of different keys
 * run in parallel. A task's promise settles when its message is finished (settled or abandoned).
 */
export class KeyLanes {
  private readonly lanes = new Map<string, (() => Promise<void>)[]>();

  run(key: string, task: () => Promise<void>): void {
    const queue = this.lanes.get(key);
    if (queue) {
      queue.push(task);
      return;
    }
    this.lanes.set(key, []);
    this.next(key, task);
  }

  private next(key: string, task: () => Promise<void>): void {
    task()
      .catch(() => undefined)
      .then(() => {
        const queue = this.lanes.get(key);
        const following = queue?.shift();
        if (following) this.next(key, following);
        else this.lanes.delete(key);
      });
  }
}
