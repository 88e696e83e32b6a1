/** A window of a ranking, and how many it holds in all (up to the `need` asked for). */
export interface Ranking {
  ids: number[];
  count: number;
}

/** Counts ids as they come, keeping those at positions [from, from + keep). */
export class Window {
  readonly ids: number[] = [];
  count = 0;

  constructor(
    private readonly from: number,
    private readonly keep: number,
  ) {}

  add(id: number): void {
    if (this.count >= this.from && this.count < this.from + this.keep) this.ids.push(id);
    this.count++;
  }
}
