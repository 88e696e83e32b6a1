/** Variants laid out as a grid of quantity boxes (size × colour, length × section). */
export const variants = {
  'variants.gridLabel': '{product}: варианты ({axes})',
  'variants.noSuchVariant': '{variant}: такого варианта нет',
  'variants.outOfStock': 'нет в наличии',
  'variants.addGrid': 'Добавить в корзину',
};
