// Types of scripts/gen-abi.mjs for the tests that import it.
export interface AbiMember { name: string; value: number; doc: string }
export interface AbiEnum { name: string; doc: string; members: AbiMember[]; file: string }
export interface Abi { consts: AbiMember[]; enums: AbiEnum[] }
export const ABI_SOURCES: string[];
export const HOST_OUT: string;
export const C_OUT: string;
export function readAbi(root?: string): Abi;
export function dense(e: AbiEnum): boolean;
export function renderHost(abi: Abi): string;
export function renderC(abi: Abi): string;
export function renderAll(root?: string): Record<string, string>;
