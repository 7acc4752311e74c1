"""Online payment of dossier fees: orders, providers (VNPay, MoMo, ZaloPay, a local sandbox),
callbacks checked before they are trusted, reconciliation of callbacks that never came."""
