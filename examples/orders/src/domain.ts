export interface OrderPlaced {
  readonly orderId: string;
  readonly customer: string;
  readonly amountCents: number;
}

export interface PaymentSettled {
  readonly orderId: string;
  readonly customer: string;
  readonly amountCents: number;
  readonly status: 'paid' | 'declined';
}

export interface CustomerNotified {
  readonly orderId: string;
  readonly status: 'paid' | 'declined';
  readonly text: string;
}
