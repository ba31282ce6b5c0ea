// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeviceOrderBook, OrderStatus} from "../orders/IDeviceOrderBook.sol";
import {IBatchLedger} from "../trace/IBatchLedger.sol";

/// @notice How bad an adverse event was, after the seriousness criteria of pharmacovigilance (ICH E2A, as used in
/// individual case safety reports), worst outcome first met:
/// - NonSerious: none of the criteria below (e.g. a local skin rash that resolved; CTCAE grades 1-2 are usually here);
/// - Serious: required or prolonged hospitalisation, caused persistent or significant disability or incapacity, a
///   congenital anomaly, or is otherwise medically important;
/// - LifeThreatening: the patient was at risk of death at the time of the event (CTCAE grade 4);
/// - Fatal: the event resulted in death (CTCAE grade 5).
/// `None` is not a severity: reports must name one of the four.
enum Severity {
    None,
    NonSerious,
    Serious,
    LifeThreatening,
    Fatal
}

/// @notice A report's place in triage. `Overdue` is stored: the report was flagged overdue by {flagOverdue} and is
/// still untriaged; a report left untriaged past its window but not yet flagged stays `Open` (see {isOverdue}).
enum ReportStatus {
    None, // no such report
    Open, // filed, awaiting a regulator
    Overdue, // flagged overdue: untriaged past its triage window, counted publicly
    Confirmed, // a regulator confirmed it and named the responsible organisation (possibly with a recall)
    Dismissed // a regulator dismissed it
}

/// @title The MedAlliance adverse event registry
/// @notice Hospitals, pharmacies, distributors and makers report bad outcomes (adverse events) against a batch in the
/// ledger; a regulator triages each report within the triage window: dismisses it, or confirms it naming the
/// organisation responsible, optionally ordering a recall of the batch through the ledger in the same transaction.
/// Public counters per product (GTIN) and per organisation let anyone compute trends from the chain.
/// @dev No personal data ever reaches the chain. A patient appears only as `patientRef = keccak256(abi.encodePacked(
/// salt, hospitalPatientId))`, where `salt` is 32 random bytes the reporting organisation keeps off chain (one salt
/// per patient, or per report); destroying the salt is how a patient's erasure is honoured: the hash can then never
/// be linked to anyone again. Descriptions stay off chain too. The registry stores only what triage and the counters
/// need; the filing event carries the rest (unit, description hash and URI, patient reference).
///
/// Reports are numbered from 1. The triage deadline of a report is `filedAt + triageWindow`: triage at or before the
/// deadline is in time, afterwards it is late (still allowed). No report ever closes by itself: untriaged past its
/// deadline it stays open and is counted publicly as overdue, without loops, as follows:
/// - anyone may call {flagOverdue} once the deadline has passed: the report becomes `Overdue` and is counted once into
///   `overdue` and `openOverdue` of its product and its maker;
/// - a late triage of a flagged report takes it out of `openOverdue` (it stays in `overdue`);
/// - a late triage of a report nobody flagged counts it into `overdue` then (never into `openOverdue`), so `overdue`
///   counts every report not triaged in time exactly once, whether or not anyone flagged it.
///
/// The organisation counters look at an organisation in two capacities: as the **maker** of the batch reported
/// against (its products' safety record: {makerCounters}), and as the **responsible organisation** a regulator named
/// when confirming a report (it may be the maker, a carrier that broke the cold chain, a hospital...:
/// {responsibleCounters}).
///
/// A report may concern a custom device of the {IDeviceOrderBook} (an implant made for the patient): it then names the
/// order, which must have a produced device in a status a patient can have met it — Produced, Approved or Installed
/// (most devices fail after installation; Produced and Approved cover fitting trials and devices found faulty before
/// surgery) — of the report's batch; the report concerns the order's unit (a report naming the order and NO_UNIT is
/// about that unit). The order is checked at filing only: it is not stored with the report; the filing event carries
/// it, and {AdverseReportLinkedToOrder} indexes it with the unit concerned. The registry reads the order book, never
/// the other way round; both sit on the same ledger.
interface IAdverseEventRegistry {
    /// @notice What a reporter files.
    struct ReportRequest {
        bytes32 batchId; // an existing batch of the ledger (any status: recalled and expired batches too)
        uint256 unitIndex; // the unit's index in the batch (below the commissioned quantity), or NO_UNIT
        uint256 orderId; // a custom device order of the order book the report concerns, or 0 (none)
        Severity severity; // NonSerious, Serious, LifeThreatening or Fatal
        bytes32 descriptionHash; // hash of the case description (non-zero)
        string descriptionURI; // where the description can be fetched by those entitled to it (emitted, not stored)
        bytes32 patientRef; // keccak256(abi.encodePacked(salt, hospitalPatientId)): non-zero, never personal data
    }

    /// @notice Public counters of a product, or of an organisation as the maker of the batches reported against.
    /// Open reports are `reported - confirmed - dismissed`.
    struct Counters {
        uint32 reported; // every report filed, counted at filing and never decreased ("before triage")
        uint32 serious; // of those, filed as Serious, LifeThreatening or Fatal
        uint32 confirmed; // confirmed by a regulator (with or without a recall)
        uint32 dismissed; // dismissed by a regulator
        uint32 recalls; // confirmations that recalled the batch through the ledger
        uint32 overdue; // reports not triaged within their window, each counted once (flagged or triaged late)
        uint32 openOverdue; // reports flagged overdue and still untriaged
    }

    /// @notice Public counters of an organisation as the responsible organisation of confirmed reports.
    struct ResponsibleCounters {
        uint32 confirmed; // reports confirmed naming it responsible
        uint32 recalls; // of those, confirmations that recalled the batch
    }

    /// @notice A report as the views return it.
    struct ReportView {
        bytes32 batchId;
        uint64 gtin; // the batch's product
        uint32 makerOrgId; // the batch's maker
        uint32 reporterOrgId; // the organisation that filed it
        uint32 responsibleOrgId; // named on confirmation; zero otherwise
        Severity severity;
        ReportStatus status;
        uint8 recallClass; // 1 to 3 when confirmed with a recall; zero otherwise
        uint32 filedAt;
        uint32 triagedAt; // zero until triaged
        uint256 triageDeadline; // filedAt + triageWindow: triage after it is late
        bool overdue; // untriaged (Open or Overdue) and past the deadline now
    }

    /// @notice A member filed an adverse event report.
    /// @param reportId The new report.
    /// @param batchId The batch reported against.
    /// @param reporterOrgId The reporting organisation.
    /// @param reporter The account that filed it.
    /// @param gtin The batch's product.
    /// @param makerOrgId The batch's maker.
    /// @param request The report as filed (unit, severity, description hash and URI, patient reference).
    event AdverseEventReported(
        uint256 indexed reportId,
        bytes32 indexed batchId,
        uint32 indexed reporterOrgId,
        address reporter,
        uint64 gtin,
        uint32 makerOrgId,
        ReportRequest request
    );
    /// @notice A report named a custom device order (emitted right after {AdverseEventReported}, only then).
    /// @param reportId The report.
    /// @param orderId The order.
    /// @param unitIndex The unit concerned: the order's device (also when the report named NO_UNIT).
    event AdverseReportLinkedToOrder(uint256 indexed reportId, uint256 indexed orderId, uint256 unitIndex);
    /// @notice A regulator dismissed a report.
    /// @param late Whether it was triaged after its deadline.
    event AdverseReportDismissed(uint256 indexed reportId, address indexed regulator, bytes32 reasonHash, bool late);
    /// @notice A regulator confirmed a report, naming the responsible organisation; `recallClass` is 1 to 3 when the
    /// batch was recalled through the ledger in the same transaction, zero otherwise.
    /// @param late Whether it was triaged after its deadline.
    event AdverseReportConfirmed(
        uint256 indexed reportId,
        address indexed regulator,
        uint32 indexed responsibleOrgId,
        uint8 recallClass,
        bytes32 reasonHash,
        bool late
    );
    /// @notice Someone flagged an untriaged report past its deadline: it is counted publicly as overdue.
    event AdverseReportFlaggedOverdue(uint256 indexed reportId, address indexed flaggedBy, uint256 triageDeadline);

    /// @notice The report's status does not allow this step (unknown reports have status None).
    error AdverseUnexpectedStatus(uint256 reportId, ReportStatus status);
    /// @notice A report must name a severity (NonSerious to Fatal).
    error AdverseInvalidSeverity(Severity severity);
    /// @notice A description, patient reference or reason hash was zero.
    error AdverseEmptyHash();
    /// @notice The unit index is not NO_UNIT and not below the batch's commissioned quantity.
    error AdverseInvalidUnitIndex(bytes32 batchId, uint256 unitIndex, uint256 commissioned);
    /// @notice An organisation acting only as a maker (SUPPLIER or MANUFACTURER) reports only against its own batches.
    error AdverseNotBatchMaker(bytes32 batchId, uint32 orgId);
    /// @notice The organisation is not registered in the alliance registry.
    error AdverseUnknownOrganisation(uint32 orgId);
    /// @notice The report's triage window has not passed yet: it cannot be flagged overdue.
    error AdverseTriageWindowOpen(uint256 reportId, uint256 triageDeadline);
    /// @notice The triage window must be at least one second.
    error AdverseInvalidTriageWindow(uint32 triageWindow);
    /// @notice The ledger or order book address given at deployment was zero.
    error AdverseZeroAddress();
    /// @notice The order book given at deployment sits on another ledger than the registry's.
    error AdverseOrderBookLedgerMismatch(address ledger, address orderBookLedger);
    /// @notice The report names an order the order book does not know.
    error AdverseUnknownOrder(uint256 orderId);
    /// @notice The order has no device a patient can have met: it is Placed or Designed (not produced yet), Rejected
    /// (found not compliant, awaiting a revised device) or Cancelled.
    error AdverseOrderNotProduced(uint256 orderId, OrderStatus status);
    /// @notice The order's device is of another batch than the report's.
    error AdverseOrderBatchMismatch(uint256 orderId, bytes32 batchId, bytes32 orderBatchId);
    /// @notice The report names a unit other than the order's device.
    error AdverseOrderUnitMismatch(uint256 orderId, uint256 unitIndex, uint256 orderUnitIndex);

    /// @notice A member reports an adverse event against a batch of the ledger. Filing is a safety action: the
    /// alliance pause does not stop it.
    /// @dev Requirements: caller acts as HOSPITAL, RETAILER, DISTRIBUTOR, MANUFACTURER or SUPPLIER (an organisation
    /// acting only as a maker reports only against batches it made); the batch exists (else the ledger's
    /// `LedgerUnknownBatch`); unit index NO_UNIT or below the batch's commissioned quantity; a severity; non-zero
    /// description hash and patient reference (the minimum of a valid case report: an identifiable reporter, patient,
    /// suspect product and event); an order id of zero (none), or an order of the order book (else
    /// {AdverseUnknownOrder}) that is Produced, Approved or Installed (else {AdverseOrderNotProduced}), whose device is
    /// of the report's batch (else {AdverseOrderBatchMismatch}) and, when the report names a unit, is that unit (else
    /// {AdverseOrderUnitMismatch}). Emits {AdverseEventReported}, then, when an order is named,
    /// {AdverseReportLinkedToOrder} and counts the report into {reportsOfOrder}.
    /// @param request The report.
    /// @return reportId The new report's id (sequential from 1).
    function report(ReportRequest calldata request) external returns (uint256 reportId);

    /// @notice A regulator dismisses a report (in time or late).
    /// @dev Requirements: caller is a regulator; report Open or Overdue; non-zero reason. Emits
    /// {AdverseReportDismissed}.
    /// @param reportId The report.
    /// @param reasonHash Hash of the written reasons.
    function dismiss(uint256 reportId, bytes32 reasonHash) external;

    /// @notice A regulator confirms a report (in time or late), naming the organisation responsible.
    /// @dev Requirements: caller is a regulator; report Open or Overdue; `responsibleOrgId` registered in the
    /// alliance (any standing); non-zero reason. Emits {AdverseReportConfirmed} with recall class zero.
    /// @param reportId The report.
    /// @param responsibleOrgId The organisation responsible.
    /// @param reasonHash Hash of the written reasons.
    function confirm(uint256 reportId, uint32 responsibleOrgId, bytes32 reasonHash) external;

    /// @notice A regulator confirms a report as {confirm} does and recalls its batch through the ledger in the same
    /// transaction; the ledger records the regulator as the recall's actor. A batch already recalled cannot be
    /// recalled again: confirm such a report with {confirm}.
    /// @dev Requirements: those of {confirm}; this registry is a ledger module (else `LedgerNotModule`); then those of
    /// the ledger's `recallFor` for the regulator (`LedgerInvalidRecallClass` unless class 1 to 3,
    /// `LedgerUnexpectedStatus` for a batch already recalled). Emits {AdverseReportConfirmed}, then the ledger's
    /// `BatchRecalled` and `Recorded`.
    /// @param reportId The report.
    /// @param responsibleOrgId The organisation responsible.
    /// @param recallClass 1 (most serious) to 3.
    /// @param reasonHash Hash of the written reasons (also the recall's reason).
    function confirmWithRecall(
        uint256 reportId,
        uint32 responsibleOrgId,
        uint8 recallClass,
        bytes32 reasonHash
    ) external;

    /// @notice Anyone flags a report left untriaged past its deadline: it becomes Overdue and is counted once into the
    /// `overdue` and `openOverdue` counters of its product and its maker.
    /// @dev Requirements: report Open (not flagged before, not triaged); the deadline has passed (a report is in time
    /// up to and including its deadline second). Emits {AdverseReportFlaggedOverdue}.
    /// @param reportId The report.
    function flagOverdue(uint256 reportId) external;

    /// @notice A report (all zero, status None, for an unknown id).
    /// @param reportId The report.
    /// @return The report's fields, triage deadline and whether it is overdue now.
    function reportOf(uint256 reportId) external view returns (ReportView memory);

    /// @notice A report's status (None for an unknown id).
    /// @param reportId The report.
    /// @return The stored status.
    function statusOf(uint256 reportId) external view returns (ReportStatus);

    /// @notice Whether a report is untriaged (Open or Overdue) and past its triage deadline now.
    /// @param reportId The report.
    /// @return Whether it is untriaged and past its deadline.
    function isOverdue(uint256 reportId) external view returns (bool);

    /// @notice The counters of a product.
    /// @param gtin The GTIN-14.
    /// @return The product's counters.
    function productCounters(uint64 gtin) external view returns (Counters memory);

    /// @notice The counters of an organisation as the maker of the batches reported against.
    /// @param orgId The organisation.
    /// @return The organisation's counters as maker.
    function makerCounters(uint32 orgId) external view returns (Counters memory);

    /// @notice The counters of an organisation as the responsible organisation of confirmed reports.
    /// @param orgId The organisation.
    /// @return The organisation's counters as the responsible organisation.
    function responsibleCounters(uint32 orgId) external view returns (ResponsibleCounters memory);

    /// @notice How many reports named a custom device order.
    /// @param orderId The order.
    /// @return The number of reports filed naming it.
    function reportsOfOrder(uint256 orderId) external view returns (uint256);

    /// @notice How many reports were filed (the last report's id).
    function reportCount() external view returns (uint256);

    /// @notice Seconds a regulator has, after filing, to triage a report in time.
    function triageWindow() external view returns (uint32);

    /// @notice The unit index meaning "no particular unit": type(uint256).max.
    function NO_UNIT() external view returns (uint256);

    /// @notice The batch ledger.
    function ledger() external view returns (IBatchLedger);

    /// @notice The custom device order book reports may name (on the same ledger).
    function orderBook() external view returns (IDeviceOrderBook);

    /// @notice The contract's version.
    function version() external pure returns (string memory);
}
