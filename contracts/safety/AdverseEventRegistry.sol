// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AllianceGated} from "../alliance/AllianceGated.sol";
import {OrganisationStatus, Roles} from "../alliance/AllianceTypes.sol";
import {IAllianceGated} from "../alliance/IAllianceGated.sol";
import {IAllianceRegistry} from "../alliance/IAllianceRegistry.sol";
import {IDeviceOrderBook, OrderStatus} from "../orders/IDeviceOrderBook.sol";
import {IBatchLedger} from "../trace/IBatchLedger.sol";
import {IAdverseEventRegistry, ReportStatus, Severity} from "./IAdverseEventRegistry.sol";

/// @title AdverseEventRegistry
/// @notice Adverse event reports against batches, their triage by regulators, and public counters.
/// @dev A report is two storage slots (its batch id and one packed slot); filing writes them and two counter slots
/// (product and maker), triage rewrites the packed slot and the counters. Nothing loops. The registry is a ledger
/// module: {confirmWithRecall} recalls through `IBatchLedger.recallFor`, which re-checks that the actor is a regulator.
/// A report naming a custom device order reads the order book once (`orderOf`) and writes one more slot, the order's
/// report count; the order itself is not stored with the report (its filing events carry it).
contract AdverseEventRegistry is IAdverseEventRegistry, AllianceGated {
    /// @inheritdoc IAdverseEventRegistry
    uint256 public constant NO_UNIT = type(uint256).max;

    /// @dev Who may report: holders that see patients or stock, and makers (on their own batches).
    uint16 private constant REPORTERS = Roles.HOSPITAL | Roles.RETAILER | Roles.DISTRIBUTOR | Roles.MAKERS;
    /// @dev Reporters that may report against any batch; the others (makers only) report on their own batches.
    uint16 private constant FRONT_LINE = Roles.HOSPITAL | Roles.RETAILER | Roles.DISTRIBUTOR;

    struct Report {
        bytes32 batchId;
        uint64 gtin; // the batch's product (GTIN-14)
        uint32 makerOrgId; // the batch's maker
        uint32 reporterOrgId;
        uint32 responsibleOrgId; // named on confirmation
        uint32 filedAt; // unix seconds (dates up to 2106, as the ledger)
        uint32 triagedAt; // zero until triaged
        Severity severity;
        ReportStatus status;
        uint8 recallClass; // set when confirmed with a recall
    }

    IBatchLedger private immutable _ledger;
    IDeviceOrderBook private immutable _orderBook;
    uint32 private immutable _triageWindow;

    uint256 private _reportCount;
    mapping(uint256 reportId => Report) private _reports;
    mapping(uint64 gtin => Counters) private _productCounters;
    mapping(uint32 orgId => Counters) private _makerCounters;
    mapping(uint32 orgId => ResponsibleCounters) private _responsibleCounters;
    mapping(uint256 orderId => uint256 count) private _reportsOfOrder;

    /// @param ledger_ The batch ledger; the alliance registry is the ledger's.
    /// @param orderBook_ The custom device order book, on the same ledger.
    /// @param triageWindow_ Seconds a regulator has, after filing, to triage a report in time (at least 1).
    constructor(
        IBatchLedger ledger_,
        IDeviceOrderBook orderBook_,
        uint32 triageWindow_
    ) AllianceGated(_registryOf(ledger_)) {
        if (address(orderBook_) == address(0)) revert AdverseZeroAddress();
        address bookLedger = address(orderBook_.ledger());
        if (bookLedger != address(ledger_)) revert AdverseOrderBookLedgerMismatch(address(ledger_), bookLedger);
        if (triageWindow_ == 0) revert AdverseInvalidTriageWindow(triageWindow_);
        _ledger = ledger_;
        _orderBook = orderBook_;
        _triageWindow = triageWindow_;
    }

    // ------------------------------------------------------------------ filing

    /// @inheritdoc IAdverseEventRegistry
    function report(ReportRequest calldata request) external returns (uint256 reportId) {
        (uint32 orgId, uint16 roles) = _requirePermitted(msg.sender, REPORTERS);
        IBatchLedger.BatchView memory b = _ledger.batch(request.batchId); // reverts LedgerUnknownBatch
        if (roles & FRONT_LINE == 0 && b.makerOrgId != orgId) revert AdverseNotBatchMaker(request.batchId, orgId);
        if (request.unitIndex != NO_UNIT && request.unitIndex >= b.commissioned)
            revert AdverseInvalidUnitIndex(request.batchId, request.unitIndex, b.commissioned);
        if (request.severity == Severity.None) revert AdverseInvalidSeverity(request.severity);
        if (request.descriptionHash == bytes32(0) || request.patientRef == bytes32(0)) revert AdverseEmptyHash();
        uint256 orderUnit = request.orderId == 0 ? NO_UNIT : _orderUnitOf(request);

        reportId = ++_reportCount;
        _reports[reportId] = Report({
            batchId: request.batchId,
            gtin: b.gtin,
            makerOrgId: b.makerOrgId,
            reporterOrgId: orgId,
            responsibleOrgId: 0,
            filedAt: uint32(block.timestamp),
            triagedAt: 0,
            severity: request.severity,
            status: ReportStatus.Open,
            recallClass: 0
        });
        bool serious = request.severity >= Severity.Serious;
        _countFiled(_productCounters[b.gtin], serious);
        _countFiled(_makerCounters[b.makerOrgId], serious);
        emit AdverseEventReported(reportId, request.batchId, orgId, msg.sender, b.gtin, b.makerOrgId, request);
        if (request.orderId != 0) {
            ++_reportsOfOrder[request.orderId];
            emit AdverseReportLinkedToOrder(reportId, request.orderId, orderUnit);
        }
    }

    // ------------------------------------------------------------------ triage

    /// @inheritdoc IAdverseEventRegistry
    function dismiss(uint256 reportId, bytes32 reasonHash) external onlyRegulator {
        Report storage r = _untriaged(reportId, reasonHash);
        bool late = _closeTriage(r, ReportStatus.Dismissed);
        ++_productCounters[r.gtin].dismissed;
        ++_makerCounters[r.makerOrgId].dismissed;
        emit AdverseReportDismissed(reportId, msg.sender, reasonHash, late);
    }

    /// @inheritdoc IAdverseEventRegistry
    function confirm(uint256 reportId, uint32 responsibleOrgId, bytes32 reasonHash) external onlyRegulator {
        _confirm(reportId, responsibleOrgId, 0, reasonHash);
    }

    /// @inheritdoc IAdverseEventRegistry
    function confirmWithRecall(
        uint256 reportId,
        uint32 responsibleOrgId,
        uint8 recallClass,
        bytes32 reasonHash
    ) external onlyRegulator {
        bytes32 batchId = _confirm(reportId, responsibleOrgId, recallClass, reasonHash);
        // The ledger is trusted wiring (immutable); it re-checks the regulator, the class and the batch's status, and
        // a revert there undoes the confirmation.
        _ledger.recallFor(msg.sender, batchId, recallClass, reasonHash);
    }

    /// @inheritdoc IAdverseEventRegistry
    function flagOverdue(uint256 reportId) external {
        Report storage r = _reports[reportId];
        if (r.status != ReportStatus.Open) revert AdverseUnexpectedStatus(reportId, r.status);
        uint256 deadline = _deadline(r);
        if (block.timestamp <= deadline) revert AdverseTriageWindowOpen(reportId, deadline);
        r.status = ReportStatus.Overdue;
        _countOverdue(_productCounters[r.gtin]);
        _countOverdue(_makerCounters[r.makerOrgId]);
        emit AdverseReportFlaggedOverdue(reportId, msg.sender, deadline);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IAdverseEventRegistry
    function reportOf(uint256 reportId) external view returns (ReportView memory) {
        Report storage r = _reports[reportId];
        return
            ReportView({
                batchId: r.batchId,
                gtin: r.gtin,
                makerOrgId: r.makerOrgId,
                reporterOrgId: r.reporterOrgId,
                responsibleOrgId: r.responsibleOrgId,
                severity: r.severity,
                status: r.status,
                recallClass: r.recallClass,
                filedAt: r.filedAt,
                triagedAt: r.triagedAt,
                triageDeadline: r.status == ReportStatus.None ? 0 : _deadline(r),
                overdue: _isOverdue(r)
            });
    }

    /// @inheritdoc IAdverseEventRegistry
    function statusOf(uint256 reportId) external view returns (ReportStatus) {
        return _reports[reportId].status;
    }

    /// @inheritdoc IAdverseEventRegistry
    function isOverdue(uint256 reportId) external view returns (bool) {
        return _isOverdue(_reports[reportId]);
    }

    /// @inheritdoc IAdverseEventRegistry
    function productCounters(uint64 gtin) external view returns (Counters memory) {
        return _productCounters[gtin];
    }

    /// @inheritdoc IAdverseEventRegistry
    function makerCounters(uint32 orgId) external view returns (Counters memory) {
        return _makerCounters[orgId];
    }

    /// @inheritdoc IAdverseEventRegistry
    function responsibleCounters(uint32 orgId) external view returns (ResponsibleCounters memory) {
        return _responsibleCounters[orgId];
    }

    /// @inheritdoc IAdverseEventRegistry
    function reportsOfOrder(uint256 orderId) external view returns (uint256) {
        return _reportsOfOrder[orderId];
    }

    /// @inheritdoc IAdverseEventRegistry
    function reportCount() external view returns (uint256) {
        return _reportCount;
    }

    /// @inheritdoc IAdverseEventRegistry
    function triageWindow() external view returns (uint32) {
        return _triageWindow;
    }

    /// @inheritdoc IAdverseEventRegistry
    function ledger() external view returns (IBatchLedger) {
        return _ledger;
    }

    /// @inheritdoc IAdverseEventRegistry
    function orderBook() external view returns (IDeviceOrderBook) {
        return _orderBook;
    }

    /// @inheritdoc IAdverseEventRegistry
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------ internals

    /// @dev The registry of the ledger, which this contract shares (so the two can never disagree).
    function _registryOf(IBatchLedger ledger_) private view returns (IAllianceRegistry) {
        if (address(ledger_) == address(0)) revert AdverseZeroAddress();
        return IAllianceGated(address(ledger_)).alliance();
    }

    /// @dev The unit a report naming an order concerns: the order's device, once the order has a produced device a
    /// patient can have met, of the report's batch, and the report names that unit or none.
    function _orderUnitOf(ReportRequest calldata request) private view returns (uint256) {
        uint256 orderId = request.orderId;
        IDeviceOrderBook.OrderView memory o = _orderBook.orderOf(orderId); // all zero for an unknown order
        OrderStatus status = o.status;
        if (status == OrderStatus.None) revert AdverseUnknownOrder(orderId);
        if (status != OrderStatus.Produced && status != OrderStatus.Approved && status != OrderStatus.Installed)
            revert AdverseOrderNotProduced(orderId, status);
        if (o.batchId != request.batchId) revert AdverseOrderBatchMismatch(orderId, request.batchId, o.batchId);
        if (request.unitIndex != NO_UNIT && request.unitIndex != o.unitIndex)
            revert AdverseOrderUnitMismatch(orderId, request.unitIndex, o.unitIndex);
        return o.unitIndex;
    }

    /// @dev Confirms a report: checks, closes triage, counts; returns the batch for a recall.
    function _confirm(
        uint256 reportId,
        uint32 responsibleOrgId,
        uint8 recallClass,
        bytes32 reasonHash
    ) private returns (bytes32 batchId) {
        Report storage r = _untriaged(reportId, reasonHash);
        (OrganisationStatus standing, ) = alliance().standing(responsibleOrgId);
        if (standing == OrganisationStatus.Unknown) revert AdverseUnknownOrganisation(responsibleOrgId);
        r.responsibleOrgId = responsibleOrgId;
        r.recallClass = recallClass;
        bool late = _closeTriage(r, ReportStatus.Confirmed);
        uint32 recalled = recallClass == 0 ? 0 : 1;
        _countConfirmed(_productCounters[r.gtin], recalled);
        _countConfirmed(_makerCounters[r.makerOrgId], recalled);
        ResponsibleCounters storage responsible = _responsibleCounters[responsibleOrgId];
        ++responsible.confirmed;
        responsible.recalls += recalled;
        emit AdverseReportConfirmed(reportId, msg.sender, responsibleOrgId, recallClass, reasonHash, late);
        return r.batchId;
    }

    /// @dev The report, once it awaits triage and a reason is given.
    function _untriaged(uint256 reportId, bytes32 reasonHash) private view returns (Report storage r) {
        r = _reports[reportId];
        ReportStatus status = r.status;
        if (status != ReportStatus.Open && status != ReportStatus.Overdue)
            revert AdverseUnexpectedStatus(reportId, status);
        if (reasonHash == bytes32(0)) revert AdverseEmptyHash();
    }

    /// @dev Records the verdict and keeps the overdue counters true: a flagged report leaves `openOverdue`; a late
    /// report nobody flagged is counted into `overdue` now. Returns whether the triage is late.
    function _closeTriage(Report storage r, ReportStatus verdict) private returns (bool late) {
        late = block.timestamp > _deadline(r);
        if (r.status == ReportStatus.Overdue) {
            // Flagging counted it into openOverdue of both, so neither is zero here.
            unchecked {
                --_productCounters[r.gtin].openOverdue;
                --_makerCounters[r.makerOrgId].openOverdue;
            }
        } else if (late) {
            ++_productCounters[r.gtin].overdue;
            ++_makerCounters[r.makerOrgId].overdue;
        }
        r.status = verdict;
        r.triagedAt = uint32(block.timestamp);
    }

    function _countFiled(Counters storage c, bool serious) private {
        ++c.reported;
        if (serious) ++c.serious;
    }

    function _countConfirmed(Counters storage c, uint32 recalled) private {
        ++c.confirmed;
        c.recalls += recalled;
    }

    function _countOverdue(Counters storage c) private {
        ++c.overdue;
        ++c.openOverdue;
    }

    function _deadline(Report storage r) private view returns (uint256) {
        return uint256(r.filedAt) + _triageWindow;
    }

    function _isOverdue(Report storage r) private view returns (bool) {
        ReportStatus status = r.status;
        return (status == ReportStatus.Open || status == ReportStatus.Overdue) && block.timestamp > _deadline(r);
    }
}
