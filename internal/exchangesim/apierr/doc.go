// Package apierr defines the error type the exchange simulator returns for
// Binance API failures: an HTTP status plus Binance's {"code":..,"msg":..}
// body. Engines return *Error for business errors so the HTTP layer can
// write them unchanged.
package apierr
