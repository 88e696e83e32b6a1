/** Orders the seller entered in its accounting system (1C, MoySklad). */
export const sellerOrders = {
  'sellerOrders.badge': 'Entered by the seller',
};
