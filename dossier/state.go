package dossier

// A State is where a dossier stands.
type State string

// States of a dossier.
const (
	StateSubmitted  State = "submitted"            // submitted online, awaiting the desk's check
	StateReceived   State = "received"             // received at the desk (or by post), being checked
	StateAccepted   State = "accepted"             // accepted as valid: the processing clock runs
	StateSupplement State = "supplement_requested" // returned to the applicant for a supplement
	StateRejected   State = "rejected"             // refused (at intake or by the deciding agency)
	StateProcessing State = "processing"           // at a deciding agency (one step of a chain)
	StateSigned     State = "result_signed"        // the result is signed by the head and the unit
	StateReady      State = "ready_for_return"     // the result is at the return desk
	StateReturned   State = "returned"             // handed over to the applicant
	StateCancelled  State = "cancelled"            // forgery found when the originals were compared
	StateVoid       State = "void"                 // level 3: originals not brought in time
)

// Final states end a dossier.
func (s State) Final() bool {
	switch s {
	case StateRejected, StateReturned, StateCancelled, StateVoid:
		return true
	}
	return false
}

// Vietnamese is the state as staff and citizens read it.
func (s State) Vietnamese() string {
	switch s {
	case StateSubmitted:
		return "Mới nộp trực tuyến, chờ tiếp nhận"
	case StateReceived:
		return "Đã nhận tại Bộ phận Một cửa, đang kiểm tra"
	case StateAccepted:
		return "Đã tiếp nhận hồ sơ hợp lệ"
	case StateSupplement:
		return "Yêu cầu bổ sung, hoàn thiện hồ sơ"
	case StateRejected:
		return "Từ chối tiếp nhận, giải quyết"
	case StateProcessing:
		return "Đang giải quyết"
	case StateSigned:
		return "Đã ký kết quả"
	case StateReady:
		return "Chờ trả kết quả"
	case StateReturned:
		return "Đã trả kết quả"
	case StateCancelled:
		return "Đã hủy kết quả (phát hiện giả mạo hồ sơ)"
	case StateVoid:
		return "Hồ sơ điện tử hết hiệu lực (không nộp bản gốc đúng hạn)"
	}
	return string(s)
}

// Event kinds: what a dossier event records. A transition changes the
// state; the others record a fact in the same state.
const (
	KindSubmitted  = "submitted"
	KindAccepted   = "accepted"
	KindSupplement = "supplement_requested"
	KindSupplied   = "supplemented"
	KindRejected   = "rejected"
	KindTransfer   = "transferred"
	KindExtended   = "extended"
	KindResult     = "result_signed"
	KindReady      = "ready_for_return"
	KindOriginals  = "originals_checked"
	KindFeePaid    = "fee_paid"
	KindFeeRefund  = "fee_refunded"
	KindLetter     = "letter_issued"
	KindReturned   = "returned"
	KindCancelled  = "cancelled"
	KindVoid       = "voided"
)
