export declare function tcpPortsOf(pid: number): Set<number>;
