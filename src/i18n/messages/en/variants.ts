/** Variants laid out as a grid of quantity boxes (size × colour, length × section). */
export const variants = {
  'variants.gridLabel': '{product}: variants ({axes})',
  'variants.noSuchVariant': '{variant}: no such variant',
  'variants.outOfStock': 'out of stock',
  'variants.addGrid': 'Add to cart',
};
