// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBatchLedger} from "../trace/IBatchLedger.sol";
import {ShipmentStatus} from "../trace/TraceTypes.sol";

/// @notice Where an agreement stands.
enum AgreementStatus {
    None,
    Proposed, // by the buyer; the supplier and the carrier sign and post collateral, then the buyer funds
    Active, // funded: deliveries, claims and force majeure
    Terminated, // by the buyer (or, later, anyone) past the termination delay: no more deliveries
    Settled, // final: every amount credited for withdrawal
    Cancelled // before funding: posted collateral credited back
}

/// @notice A party to an agreement other than the buyer.
enum AgreementParty {
    None,
    Supplier,
    Carrier
}

/// @notice A regulator's ruling on a non-conformance claim.
enum Ruling {
    None,
    SupplierAtFault, // goods rejected; defect penalty from the supplier's collateral
    CarrierAtFault, // goods rejected; defect penalty from the carrier's collateral
    Rejected // the claim is rejected: the goods count as accepted
}

/// @notice Why proposed terms are invalid.
enum TermsDefect {
    None,
    Parties, // a zero or repeated organisation, or the caller's organisation is not the buyer
    Quantity, // zero
    Price, // zero unit price, or the value and fee do not fit in 128 bits
    Deadline, // the hand-over deadline has passed or is beyond 2106
    Periods, // zero penalty period, inspection window or ruling window
    BasisPoints, // a rate above 10,000 basis points
    SupplierCollateral, // below the late-penalty cap plus the defect penalty on the full value
    CarrierCollateral // below the late-penalty cap plus the defect penalty on the full value
}

/// @title Supply agreements
/// @notice Tripartite agreements between a buyer (HOSPITAL or AGENCY), a supplier (MANUFACTURER or DISTRIBUTOR) and
/// a carrier (LOGISTICS), modelled on late-delivery-and-penalty clauses: the buyer escrows the price and the carrier's
/// fee, the supplier and the carrier post collateral covering the most they could be charged, deliveries are proven
/// by shipments on the batch ledger, and penalties for late hand-over (supplier), late transit (carrier) and defects
/// (whoever a regulator finds at fault) come out of that collateral. Every path ends in settlement, termination or
/// cancellation, and every amount is paid by pull withdrawal ({IAssetVault-withdraw}).
/// @dev Only the hash of the terms is stored; every call that needs them takes the terms back as calldata and checks
/// them against the hash. Credits go to the account that proposed (buyer), or signed (supplier, carrier).
interface ISupplyAgreements {
    /// @notice Everything the parties agree to; its hash (`keccak256(abi.encode(terms))`) is what they sign.
    struct Terms {
        uint32 buyerOrgId; // HOSPITAL or AGENCY
        uint32 supplierOrgId; // MANUFACTURER or DISTRIBUTOR
        uint32 carrierOrgId; // LOGISTICS
        uint64 gtin; // the product
        bytes32 specHash; // hash of the product specification
        uint40 quantity; // in the product's unit of measure
        uint128 unitPrice; // per unit, in `asset`
        uint128 carrierFee; // the carrier's fee for the whole quantity, in `asset`
        address asset; // address(0) for ETH, else an approved ERC-20
        uint32 handOverDeadline; // unix time by which the supplier hands everything over (ships)
        uint32 transitAllowance; // seconds the carrier may take from its pick-up to delivery
        uint32 penaltyPeriod; // seconds per penalty period; every started period counts in full
        uint16 penaltyBps; // late penalty per started period, basis points of the late value
        uint16 penaltyCapBps; // cap on each party's late penalties, basis points of the agreement value
        uint32 terminationDelay; // seconds past the expected delivery after which the buyer may terminate
        uint16 defectBps; // defect penalty, basis points of the rejected value
        uint32 minShelfLife; // seconds of shelf life a batch must have left when handed over
        uint32 inspectionWindow; // seconds after each receipt for claims (and after a ruling, to deliver goods back)
        uint32 rulingWindow; // seconds a regulator has to rule a claim or a force-majeure claim
        bool forceMajeure; // whether the force-majeure clause applies
        uint128 supplierCollateral; // in `asset`
        uint128 carrierCollateral; // in `asset`
    }

    /// @notice An agreement's state as the views return it.
    struct AgreementView {
        bytes32 termsHash;
        AgreementStatus status;
        bool supplierSigned;
        bool carrierSigned;
        address buyer; // the proposing account: refunds and penalties are credited to it
        address supplier; // the signing account: price and collateral remainder
        address carrier; // the signing account: fee and collateral remainder
        uint40 delivered; // quantity received under the agreement
        uint40 returned; // rejected quantity back with the supplier (or maker), refunded
        uint40 claimed; // quantity of the open claim; zero when none
        uint40 pendingReturn; // rejected quantity not yet back with the supplier (or maker)
        uint40 supplierDefects; // rejected quantity attributed to the supplier
        uint40 carrierDefects; // rejected quantity attributed to the carrier
        uint32 lastReceiptAt; // the inspection window runs from here
        uint32 claimFiledAt;
        uint32 returnBy; // rejected goods not back with the supplier by then count as accepted
        uint32 supplierForceMajeureAt; // filing time of a force-majeure claim awaiting a ruling; zero when none
        uint32 carrierForceMajeureAt;
        bool supplierExcused; // force majeure accepted: the supplier's late penalties are waived
        bool carrierExcused;
        uint128 supplierLatePenalty; // accrued, already capped
        uint128 carrierLatePenalty; // accrued, already capped
    }

    /// @notice An organisation's record across settled agreements.
    struct Reputation {
        uint32 fulfilled; // settled agreements where it was neither late nor at fault
        uint32 late; // settled agreements where it paid a late penalty
        uint32 defective; // rulings against it
    }

    /// @notice The buyer proposed an agreement on these terms.
    event AgreementProposed(uint256 indexed agreementId, uint32 indexed buyerOrgId, bytes32 termsHash, Terms terms);
    /// @notice The supplier or the carrier signed the terms and posted its collateral.
    event AgreementSigned(
        uint256 indexed agreementId,
        AgreementParty indexed party,
        address indexed account,
        uint256 collateral
    );
    /// @notice A signer withdrew its signature before funding; its collateral is credited back.
    event SignatureRetracted(uint256 indexed agreementId, AgreementParty indexed party, address indexed account);
    /// @notice The buyer paid in the price and the fee: the agreement is active.
    event AgreementFunded(uint256 indexed agreementId, address indexed account, uint256 amount);
    /// @notice An unfunded agreement was cancelled; posted collateral is credited back.
    event AgreementCancelled(uint256 indexed agreementId, address indexed account);
    /// @notice The supplier flagged a shipment its carrier did not pick up within PICK_UP_WINDOW.
    event PickUpFlagged(uint256 indexed agreementId, bytes32 indexed shipmentId, address indexed account);
    /// @notice A delivery was recorded: `quantity` received, and the late penalties it added (before the cap).
    event DeliveryRecorded(
        uint256 indexed agreementId,
        bytes32 indexed shipmentId,
        uint256 quantity,
        uint256 supplierPenalty,
        uint256 carrierPenalty
    );
    /// @notice The buyer claimed non-conformance for `quantity`.
    event ClaimFiled(uint256 indexed agreementId, uint256 quantity, bytes32 evidenceHash);
    /// @notice A regulator ruled the open claim.
    event ClaimRuled(uint256 indexed agreementId, Ruling ruling, uint256 quantity, bytes32 reasonHash);
    /// @notice The ruling window passed without a ruling: the claimed quantity is to be returned and refunded.
    event ClaimLapsed(uint256 indexed agreementId, uint256 quantity);
    /// @notice Rejected goods are back with the supplier (or the maker): the quantity that counted, whose value is
    /// credited to the buyer.
    event ReturnRecorded(uint256 indexed agreementId, bytes32 indexed shipmentId, uint256 quantity, uint256 refund);
    /// @notice The supplier or the carrier claimed force majeure.
    event ForceMajeureClaimed(uint256 indexed agreementId, AgreementParty indexed party, bytes32 evidenceHash);
    /// @notice A regulator accepted or rejected a force-majeure claim.
    event ForceMajeureRuled(
        uint256 indexed agreementId,
        AgreementParty indexed party,
        bool accepted,
        bytes32 reasonHash
    );
    /// @notice The agreement was terminated: the undelivered value and the unearned fee are credited to the buyer.
    event AgreementTerminated(
        uint256 indexed agreementId,
        address indexed account,
        uint256 undelivered,
        uint256 refund
    );
    /// @notice The agreement was settled: every amount is credited for withdrawal.
    event AgreementSettled(
        uint256 indexed agreementId,
        uint256 supplierPenalty,
        uint256 carrierPenalty,
        uint256 supplierCredit,
        uint256 carrierCredit
    );

    /// @notice The terms passed do not hash to the agreement's terms (or the agreement does not exist).
    error AgreementTermsMismatch(uint256 agreementId);
    /// @notice The hash a party signs is not the agreement's terms hash.
    error AgreementWrongTermsHash(uint256 agreementId, bytes32 expected, bytes32 signed);
    /// @notice The proposed terms are invalid.
    error AgreementInvalidTerms(TermsDefect defect);
    /// @notice The agreement's status does not allow this.
    error AgreementUnexpectedStatus(uint256 agreementId, AgreementStatus status);
    /// @notice The caller may not act for the party this step needs.
    error AgreementNotParty(uint256 agreementId, address account);
    /// @notice The party has already signed (or claimed force majeure).
    error AgreementAlreadyDone(uint256 agreementId, AgreementParty party);
    /// @notice The party has not signed (or has no force-majeure claim awaiting a ruling).
    error AgreementNotDone(uint256 agreementId, AgreementParty party);
    /// @notice Less arrived than the amount due (a fee-on-transfer token): the call reverts.
    error AgreementShortPayment(address asset, uint256 expected, uint256 received);
    /// @notice This may not happen before `notBefore`.
    error AgreementTooEarly(uint256 agreementId, uint256 notBefore);
    /// @notice This had to happen by `deadline`.
    error AgreementTooLate(uint256 agreementId, uint256 deadline);
    /// @notice The shipment does not belong to this agreement (reference, sender, recipient, carrier or product).
    error AgreementForeignShipment(uint256 agreementId, bytes32 shipmentId);
    /// @notice The shipment was already used (or flagged, for a second flag).
    error AgreementShipmentUsed(bytes32 shipmentId);
    /// @notice The shipment's ledger status does not allow this.
    error AgreementUnexpectedShipmentStatus(bytes32 shipmentId, ShipmentStatus status);
    /// @notice The batch had less than the minimum shelf life left at hand-over.
    error AgreementShelfLifeTooShort(bytes32 shipmentId, uint256 expiresAt, uint256 required);
    /// @notice More than the quantity the agreement still allows.
    error AgreementQuantityExceeded(uint256 agreementId, uint256 quantity, uint256 allowed);
    /// @notice A claim is open; it must be ruled or lapse first.
    error AgreementClaimOpen(uint256 agreementId);
    /// @notice No claim is open.
    error AgreementNoClaim(uint256 agreementId);
    /// @notice A ruling must be SupplierAtFault, CarrierAtFault or Rejected.
    error AgreementInvalidRuling(Ruling ruling);
    /// @notice The terms exclude force majeure.
    error AgreementForceMajeureExcluded(uint256 agreementId);
    /// @notice A force-majeure claim awaits a ruling within its window.
    error AgreementForceMajeurePending(uint256 agreementId, AgreementParty party);
    /// @notice Not everything was delivered (settlement without termination), or everything was (termination).
    error AgreementDeliveryState(uint256 agreementId, uint256 delivered, uint256 quantity);
    /// @notice A hash argument was zero.
    error AgreementEmptyHash();
    /// @notice A zero address was given.
    error AgreementZeroAddress();

    /// @notice The buyer proposes an agreement; nothing is paid yet.
    /// @dev Requirements: not paused; caller acts as HOSPITAL or AGENCY for `terms.buyerOrgId`; asset approved; terms
    /// valid (see {TermsDefect}). Emits {AgreementProposed}.
    /// @param terms The terms.
    /// @return agreementId The new agreement's id (sequential from 1).
    function propose(Terms calldata terms) external returns (uint256 agreementId);

    /// @notice The supplier or the carrier signs the terms' hash and posts its collateral (ETH with the call, or a
    /// token it approved). The supplier and the carrier may sign in either order.
    /// @dev Requirements: not paused; status Proposed; `terms` hash to the agreement; `termsHash` equals that hash;
    /// caller acts as MANUFACTURER or DISTRIBUTOR for the supplier, or as LOGISTICS for the carrier; that party has
    /// not signed; the full collateral arrives. Non-reentrant. Emits {AgreementSigned}.
    /// @param agreementId The agreement.
    /// @param termsHash The hash the party signs.
    /// @param terms The terms.
    function sign(uint256 agreementId, bytes32 termsHash, Terms calldata terms) external payable;

    /// @notice A signer withdraws its signature before funding; its collateral is credited back to its account.
    /// @dev Requirements: status Proposed; `terms` match; caller acts for the supplier or the carrier, which has
    /// signed. Emits {SignatureRetracted}, {IAssetVault-Credited}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    function retract(uint256 agreementId, Terms calldata terms) external;

    /// @notice The buyer pays in the price of the whole quantity and the carrier's fee: the agreement is active.
    /// @dev Requirements: not paused; status Proposed; `terms` match; caller acts as HOSPITAL or AGENCY for the buyer;
    /// both signed; the full amount arrives. Non-reentrant. Emits {AgreementFunded}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    function fund(uint256 agreementId, Terms calldata terms) external payable;

    /// @notice Cancels an unfunded agreement: the buyer at any time, the supplier or the carrier once the hand-over
    /// deadline has passed. Posted collateral is credited back.
    /// @dev Requirements: status Proposed; `terms` match; caller acts for the buyer, or for the supplier or the
    /// carrier after `handOverDeadline`. Emits {AgreementCancelled}, {IAssetVault-Credited}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    function cancel(uint256 agreementId, Terms calldata terms) external;

    /// @notice The supplier flags a shipment of the agreement its carrier has not picked up within PICK_UP_WINDOW of
    /// the hand-over: the carrier's transit clock then runs from the end of that window.
    /// @dev Requirements: status Active; `terms` match; caller acts as MANUFACTURER or DISTRIBUTOR for the supplier;
    /// the shipment is the agreement's (reference, parties); not flagged or recorded; ledger status InTransit; more
    /// than PICK_UP_WINDOW since it was shipped. Emits {PickUpFlagged}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    /// @param shipment The shipment's fields.
    function flagMissedPickUp(
        uint256 agreementId,
        Terms calldata terms,
        IBatchLedger.Shipment calldata shipment
    ) external;

    /// @notice Anyone records a delivery of the agreement, once the buyer received it (or a regulator settled it) or
    /// the ledger's receipt window after the carrier's delivery record has passed (the delivery record stands, for the
    /// quantity shipped). Late penalties accrue: the supplier's for a hand-over after the deadline, the carrier's
    /// for transit beyond the allowance, each per started penalty period on the value delivered.
    /// @dev Requirements: status Active; `terms` match; the shipment's reference is {agreementRef}, sender the
    /// supplier, recipient the buyer, carrier the agreement's; not recorded before; the batch is the agreement's GTIN
    /// with at least `minShelfLife` left at hand-over; the quantity fits. Emits {DeliveryRecorded}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    /// @param shipment The shipment's fields.
    function recordDelivery(
        uint256 agreementId,
        Terms calldata terms,
        IBatchLedger.Shipment calldata shipment
    ) external;

    /// @notice The buyer claims non-conformance of delivered goods, within the inspection window after the latest
    /// receipt.
    /// @dev Requirements: status Active or Terminated; `terms` match; caller acts as HOSPITAL or AGENCY for the buyer;
    /// no open claim; quantity between 1 and what is delivered and not already rejected; non-zero evidence; within
    /// the window. Emits {ClaimFiled}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    /// @param quantity The quantity claimed.
    /// @param evidenceHash Hash of the evidence (inspection report).
    function fileClaim(uint256 agreementId, Terms calldata terms, uint40 quantity, bytes32 evidenceHash) external;

    /// @notice A regulator rules the open claim within the ruling window. At fault: the quantity is rejected, to be
    /// returned and refunded (see {recordReturn}; the return deadline becomes now + `inspectionWindow` + the
    /// ledger's receipt window), and the defect penalty is charged to that party's collateral. Rejected: the goods
    /// count as accepted.
    /// @dev Requirements: caller is a regulator; `terms` match; a claim is open; within the ruling window; a valid
    /// ruling; non-zero reason. Emits {ClaimRuled}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    /// @param ruling The ruling.
    /// @param reasonHash Hash of the written reasons.
    function ruleClaim(uint256 agreementId, Terms calldata terms, Ruling ruling, bytes32 reasonHash) external;

    /// @notice Anyone lapses a claim nobody ruled in time: the neutral default, the claimed quantity is to be returned
    /// and refunded (see {recordReturn}; same return deadline as a ruling), without penalty.
    /// @dev Requirements: `terms` match; a claim is open; its ruling window has passed. Emits {ClaimLapsed}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    function lapseClaim(uint256 agreementId, Terms calldata terms) external;

    /// @notice Anyone records a return of rejected goods (the buyer ships them to the supplier or to the batch's
    /// maker on the ledger, with the agreement's reference) once its recipient has them; their value is credited to
    /// the buyer. What counts: the quantity the recipient received, or a regulator stated received when settling the
    /// shipment on the ledger; or, when the recipient stayed silent past the ledger's receipt window after the
    /// carrier's delivery record, the quantity shipped (the delivery record stands, as for deliveries). Never a
    /// return still on its way or held, nor one refused, back with the buyer or reclaimed by it. The quantity is
    /// capped by the rejected quantity still awaiting return (the rest is not refunded); a shortfall stays awaiting
    /// return. Each shipment counts once, the first time it is recorded.
    /// Defaults: rejected goods that are not back with the recipient by `returnBy` (the ruling or lapse, plus
    /// `inspectionWindow` to deliver them, plus the receipt window for the recipient to answer) — never shipped,
    /// refused, short, or still on their way — count as accepted: at settlement their price goes to the supplier and
    /// the buyer keeps the goods, without refund (the defect penalty stands). Until settlement a return that arrives
    /// still counts; the buyer may ship again (a new shipment) after a refusal or a shortfall.
    /// @dev Requirements: status Active or Terminated; `terms` match; the shipment's reference is {agreementRef},
    /// sender the buyer, recipient the supplier or the maker, the agreement's GTIN; not recorded before; ledger status
    /// Received or Settled, or Delivered with the receipt window past (else {AgreementTooEarly} with its end, or
    /// {AgreementUnexpectedShipmentStatus}); a non-zero quantity counts and a non-zero quantity awaits return (else
    /// {AgreementQuantityExceeded} with both). Emits {ReturnRecorded} (the quantity counted), {IAssetVault-Credited}.
    /// The recipient protects itself against a silent-recipient count by answering on the ledger within the window.
    function recordReturn(uint256 agreementId, Terms calldata terms, IBatchLedger.Shipment calldata shipment) external;

    /// @notice The supplier or the carrier claims force majeure (once per agreement and party).
    /// @dev Requirements: status Active; `terms` match; the terms allow it; caller acts for the supplier or the
    /// carrier, which has not claimed before; non-zero evidence. Emits {ForceMajeureClaimed}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    /// @param evidenceHash Hash of the evidence.
    function claimForceMajeure(uint256 agreementId, Terms calldata terms, bytes32 evidenceHash) external;

    /// @notice A regulator accepts (the party's late penalties under the agreement are waived) or rejects a
    /// force-majeure claim within the ruling window. Unruled in time, the claim lapses as rejected.
    /// @dev Requirements: caller is a regulator; `terms` match; the party's claim awaits a ruling within its window;
    /// non-zero reason. Emits {ForceMajeureRuled}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    /// @param party Supplier or Carrier.
    /// @param accepted Whether the claim is accepted.
    /// @param reasonHash Hash of the written reasons.
    function ruleForceMajeure(
        uint256 agreementId,
        Terms calldata terms,
        AgreementParty party,
        bool accepted,
        bytes32 reasonHash
    ) external;

    /// @notice Terminates an active agreement not fully delivered: the buyer once the termination delay has passed
    /// after the expected delivery (hand-over deadline plus transit allowance), anyone once it has passed twice. The
    /// undelivered value and the unearned share of the fee are credited to the buyer; the supplier's late penalty
    /// accrues on the undelivered value up to now; deliveries stop.
    /// @dev Requirements: status Active; `terms` match; not everything delivered; the delay has passed as above.
    /// Emits {AgreementTerminated}, {IAssetVault-Credited}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    function terminate(uint256 agreementId, Terms calldata terms) external;

    /// @notice Anyone settles a fully delivered or terminated agreement once the inspection window after the latest
    /// receipt has passed, no claim is open, no force-majeure claim awaits a ruling in its window and rejected goods
    /// are back with the supplier (recorded by {recordReturn}) or `returnBy` has passed (goods not back count as
    /// accepted). Credits the supplier the
    /// price of accepted goods, the carrier its earned fee, the buyer the penalties, and each collateral's remainder
    /// to its owner; updates reputations.
    /// @dev Requirements: status Active with everything delivered, or Terminated; `terms` match; as above.
    /// Emits {AgreementSettled}, {IAssetVault-Credited}.
    /// @param agreementId The agreement.
    /// @param terms The terms.
    function settle(uint256 agreementId, Terms calldata terms) external;

    /// @notice An agreement's state.
    /// @param agreementId The agreement.
    function agreement(uint256 agreementId) external view returns (AgreementView memory);

    /// @notice The reference a shipment under the agreement carries: keccak256(abi.encode(this, agreementId)).
    /// @param agreementId The agreement.
    function agreementRef(uint256 agreementId) external view returns (bytes32);

    /// @notice The hash parties sign: keccak256(abi.encode(terms)).
    /// @param terms The terms.
    function hashTerms(Terms calldata terms) external pure returns (bytes32);

    /// @notice What the supplier and the carrier must each post at least: the late-penalty cap plus the defect
    /// penalty on the full value.
    /// @param terms The terms.
    function minimumCollateral(Terms calldata terms) external pure returns (uint256);

    /// @notice An organisation's reputation.
    /// @param orgId The organisation.
    function reputationOf(uint32 orgId) external view returns (Reputation memory);

    /// @notice Penalties an organisation has paid in `asset` under settled agreements.
    /// @param orgId The organisation.
    /// @param asset `address(0)` for ETH, else the token.
    function penaltiesPaid(uint32 orgId, address asset) external view returns (uint256);

    /// @notice How many agreements were proposed (the latest id).
    function agreementCount() external view returns (uint256);

    /// @notice Whether a shipment was flagged (1) or recorded as a delivery or return (2); zero when neither.
    /// @param shipmentId The shipment.
    function shipmentUse(bytes32 shipmentId) external view returns (uint8);

    /// @notice The batch ledger deliveries are read from.
    function ledger() external view returns (IBatchLedger);

    /// @notice The contract's version.
    function version() external pure returns (string memory);
}
