export declare function secretScanner(
  credentials: readonly string[],
  leaks: Set<string>,
): (where: string, value: unknown) => void;
