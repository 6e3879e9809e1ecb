/** The styleable parts of the row; each gets `jc-hs__<slot>` unless `unstyled`. */
export type SlotName =
  | 'root'
  | 'header'
  | 'logo'
  | 'name'
  | 'details'
  | 'pill'
  | 'facts'
  | 'banner'
  | 'said'
  | 'notice'
  | 'actions'
  | 'button'
  | 'confirm'
  | 'drawer'
  | 'backdrop'
  | 'table'
  | 'note'
  | 'progress'
  | 'recent';

export type ClassNames = Partial<Record<SlotName, string>>;

/** Builds the class name for a slot: the default one (dropped when unstyled) plus the host's. */
export function slotClass(slot: SlotName, classNames: ClassNames | undefined, unstyled: boolean, extra?: string): string | undefined {
  const base = unstyled ? '' : slot === 'root' ? 'jc-hs' : `jc-hs__${slot}`;
  return [base, extra, classNames?.[slot]].filter(Boolean).join(' ') || undefined;
}
