/** A hash map from non-negative int32 keys to int32 values (open addressing): -1 when absent. */
export class IntMap {
  private keys: Int32Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected: number) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Int32Array(capacity).fill(-1);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  get(key: number): number {
    const keys = this.keys;
    for (let i = Math.imul(key, 0x9e3779b1) & this.mask; ; i = (i + 1) & this.mask) {
      const k = keys[i] as number;
      if (k === key) return this.values[i] as number;
      if (k === -1) return -1;
    }
  }

  set(key: number, value: number): void {
    const keys = this.keys;
    for (let i = Math.imul(key, 0x9e3779b1) & this.mask; ; i = (i + 1) & this.mask) {
      const k = keys[i] as number;
      if (k === key || k === -1) {
        if (k === -1) this.count++;
        keys[i] = key;
        this.values[i] = value;
        break;
      }
    }
    if (this.count * 2 > keys.length) this.grow();
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Int32Array(keys.length * 2).fill(-1);
    this.values = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if ((keys[i] as number) !== -1) this.set(keys[i] as number, values[i] as number);
  }
}
